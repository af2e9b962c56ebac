"""Date formats per language (FORMAT_MODULE_PATH), over Django's own locale formats.

Every language defines the same names, Django's and ours, so `date_format(day, NAME)`
and `{{ day|date:"NAME" }}` work in each. Our names:

- MONTH_FORMAT: a month on a chart axis ("Oct", "10月", "10월").
- MONTH_DAY_TIME_FORMAT: a recent moment ("26 Oct, 14:05").
- DATETIME_ZONE_FORMAT: a moment with its zone, for the security log.
- WEEKDAY_DATETIME_FORMAT: a planned moment, with its weekday.
"""
