"""Helpers of the constraint tests (tests/<app>/test_constraints.py): each case writes
around model validation (create with bad values, or update()), so the database itself
must say no."""

import pytest
from django.db import IntegrityError, transaction


def refused():
    """Context: the statement inside must raise IntegrityError (in its own savepoint)."""

    class _Refused:
        def __enter__(self):
            self._raises = pytest.raises(IntegrityError)
            self._raises.__enter__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()

        def __exit__(self, *exc):
            self._atomic.__exit__(*exc)
            return self._raises.__exit__(*exc)

    return _Refused()


def set_fields(obj, **values):
    with refused():
        type(obj).objects.filter(pk=obj.pk).update(**values)
