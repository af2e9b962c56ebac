# "26 Oct 2025": day first and the month's short name, clear to every English reader
# (Django's en default is the US "Oct. 26, 2025").
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
MONTH_FORMAT = "M"
MONTH_DAY_TIME_FORMAT = "j M, H:i"
DATETIME_ZONE_FORMAT = "j M Y, H:i T"
WEEKDAY_DATETIME_FORMAT = "D j M Y, H:i"
