"""What every form of ours shares."""


class NoLabelColon:
    """Labels without a trailing colon, the style of every form in the app (allauth's
    pages included). Django would add ':' (or '：' in Chinese and Japanese) by default."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
