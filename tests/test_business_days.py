"""Business days on a holiday calendar: weekends and public holidays skipped, counted in the local zone,
a deadline is the end of its last business day (the Tết 2027 break included)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from marketplace.business_days import (
    add_business_days,
    business_days_between,
    business_deadline,
    holiday_name,
    is_business_day,
)
from marketplace.settings import SettingsError, load_settings

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
TZ = "Asia/Ho_Chi_Minh"


def test_tet_2027_is_off_in_vietnam():
    # what the holidays package says: 29th of the 12th lunar month (4 Feb) to the 5th day (10 Feb)
    off = [date(2027, 2, d) for d in range(4, 11)]
    assert all(not is_business_day(d, "VN") for d in off)
    assert holiday_name(date(2027, 2, 6), "VN") is not None  # Lunar New Year's day itself
    assert is_business_day(date(2027, 2, 3), "VN") and is_business_day(date(2027, 2, 11), "VN")


def test_three_business_days_across_tet_end_after_the_break():
    opened = datetime(2027, 2, 3, 10, 0, tzinfo=ICT)  # a Wednesday, the day before the break
    # Thu 11, Fri 12, Mon 15 Feb: the deadline is the end of Monday in Hà Nội, 17:00 UTC
    assert business_deadline(opened, 3, "VN", TZ) == datetime(2027, 2, 15, 17, 0, tzinfo=UTC)
    # the same days on a calendar without Tết would end on Monday 8 Feb
    assert business_deadline(opened, 3, "US", TZ) == datetime(2027, 2, 8, 17, 0, tzinfo=UTC)


def test_weekends_are_skipped_and_the_start_day_never_counts():
    assert add_business_days(date(2026, 12, 4), 1, "VN") == date(2026, 12, 7)  # Friday -> Monday
    assert add_business_days(date(2026, 12, 5), 1, "VN") == date(2026, 12, 7)  # Saturday -> Monday
    assert add_business_days(date(2026, 12, 7), 0, "VN") == date(2026, 12, 7)
    assert add_business_days(date(2026, 11, 30), 3, "VN") == date(2026, 12, 3)


def test_the_local_date_counts_not_the_utc_date():
    # 18:00 UTC on Tuesday is already Wednesday 01:00 in Hà Nội: counting starts from Wednesday
    late = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert business_deadline(late, 1, "VN", TZ) == datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # end of Thursday
    assert business_deadline(late, 1, "VN", "UTC") == datetime(2026, 12, 3, 0, 0, tzinfo=UTC)  # end of Wednesday


def test_new_year_and_national_day_are_skipped():
    assert add_business_days(date(2026, 12, 31), 1, "VN") == date(2027, 1, 4)  # 1 Jan is off, then a weekend
    assert add_business_days(date(2027, 9, 1), 1, "VN") == date(2027, 9, 6)  # 2-3 Sep off, then a weekend


def test_days_between_counts_business_days_only():
    start = datetime(2027, 2, 3, 10, 0, tzinfo=ICT)
    assert business_days_between(start, datetime(2027, 2, 12, 9, 0, tzinfo=ICT), "VN", TZ) == 2
    assert business_days_between(start, start, "VN", TZ) == 0


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        add_business_days(date(2027, 1, 4), -1, "VN")
    with pytest.raises(ValueError):
        business_deadline(datetime(2027, 1, 4), 1, "VN", TZ)


def test_the_calendar_setting_must_be_a_known_country():
    assert load_settings({}, {})["BUSINESS_CALENDAR"] == "VN"
    assert load_settings({"BUSINESS_CALENDAR": "US"}, {})["BUSINESS_CALENDAR"] == "US"
    with pytest.raises(SettingsError, match="BUSINESS_CALENDAR"):
        load_settings({"BUSINESS_CALENDAR": "XX"}, {})
