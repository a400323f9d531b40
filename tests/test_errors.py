"""Every error reads as one or two plain sentences: what is wrong, then what to do."""

from __future__ import annotations

from xlbilling._errors import InputError


def test_error_messages_read_as_sentences() -> None:
    assert str(InputError("No period given", "Pick one.")) == "No period given. Pick one."
    assert str(InputError("Is this a period?", "Pick one.")) == "Is this a period? Pick one."
    assert str(InputError("Stopped after 3 of 5…", "Try again.")) == "Stopped after 3 of 5… Try again."
    assert str(InputError("", "Pick one.")) == "Pick one."
    assert str(InputError("No period given", "")) == "No period given"
