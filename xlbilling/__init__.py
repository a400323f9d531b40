"""xlbilling: MSP billing data from Atria and Xarios into pandas, Excel, invoices and margin-leak reports.

What is exported here is the public API; every module whose name starts with an underscore is private.

```python
from xlbilling import Session, load_mapping, reconcile

session = Session()  # Atria and Xarios from your settings, with one cache
period = session.latest_closed()
result = reconcile(session, period, mapping=load_mapping("product-map.csv"))
print(result.leaked)
```

The names are imported when first used, so ``import xlbilling`` (and ``xlbilling --help``) stays quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from xlbilling._errors import (
    ApiError,
    ApiTimeout,
    ApiUnreachable,
    AuthError,
    BadResponse,
    ConfigError,
    DataError,
    EmptyRange,
    InputError,
    MissingMapping,
    MissingPriceError,
    MissingRegister,
    MissingTaxRateError,
    NoClosedPeriod,
    NoInvoiceItems,
    NotFoundError,
    OpenPeriodError,
    RateLimitError,
    ServerError,
    TemplateError,
    UnknownCustomer,
    UnknownPeriod,
    XlbillingError,
)
from xlbilling._version import __version__

if TYPE_CHECKING:
    from xlbilling._apis.atria import Atria
    from xlbilling._apis.xarios import Xarios, XariosInvoice
    from xlbilling._inputs.mapping import Mapping, load_mapping
    from xlbilling._inputs.prices import PriceList, load_prices
    from xlbilling._inputs.register import Register, load_register
    from xlbilling._invoices.manifest import Manifest
    from xlbilling._jobs import margin, reconcile, refresh, report
    from xlbilling._margin.run import Margin
    from xlbilling._progress import Progress, Step
    from xlbilling._reconcile.result import NothingCompared, Reconciliation
    from xlbilling._sandbox import Sandbox, start_sandbox
    from xlbilling._session.session import Session
    from xlbilling._values.dates import parse_period
    from xlbilling._values.period import Period
    from xlbilling._workbook.reviews import load_reviews
    from xlbilling._workbook.tables import Refreshed

_LAZY = {
    "Session": "xlbilling._session.session",
    "Period": "xlbilling._values.period",
    "parse_period": "xlbilling._values.dates",
    "Atria": "xlbilling._apis.atria",
    "Xarios": "xlbilling._apis.xarios",
    "XariosInvoice": "xlbilling._apis.xarios",
    "reconcile": "xlbilling._jobs",
    "margin": "xlbilling._jobs",
    "report": "xlbilling._jobs",
    "refresh": "xlbilling._jobs",
    "Mapping": "xlbilling._inputs.mapping",
    "load_mapping": "xlbilling._inputs.mapping",
    "PriceList": "xlbilling._inputs.prices",
    "load_prices": "xlbilling._inputs.prices",
    "Register": "xlbilling._inputs.register",
    "load_register": "xlbilling._inputs.register",
    "load_reviews": "xlbilling._workbook.reviews",
    "Reconciliation": "xlbilling._reconcile.result",
    "NothingCompared": "xlbilling._reconcile.result",
    "Margin": "xlbilling._margin.run",
    "Manifest": "xlbilling._invoices.manifest",
    "Refreshed": "xlbilling._workbook.tables",
    "Step": "xlbilling._progress",
    "Progress": "xlbilling._progress",
    "Sandbox": "xlbilling._sandbox",
    "start_sandbox": "xlbilling._sandbox",
}
"""Each public name and the private module it lives in."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'xlbilling' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ApiError",
    "ApiTimeout",
    "ApiUnreachable",
    "Atria",
    "AuthError",
    "BadResponse",
    "ConfigError",
    "DataError",
    "EmptyRange",
    "InputError",
    "Manifest",
    "Mapping",
    "Margin",
    "MissingMapping",
    "MissingPriceError",
    "MissingRegister",
    "MissingTaxRateError",
    "NoClosedPeriod",
    "NoInvoiceItems",
    "NotFoundError",
    "NothingCompared",
    "OpenPeriodError",
    "Period",
    "PriceList",
    "Progress",
    "RateLimitError",
    "Reconciliation",
    "Refreshed",
    "Register",
    "Sandbox",
    "ServerError",
    "Session",
    "Step",
    "TemplateError",
    "UnknownCustomer",
    "UnknownPeriod",
    "Xarios",
    "XariosInvoice",
    "XlbillingError",
    "__version__",
    "load_mapping",
    "load_prices",
    "load_register",
    "load_reviews",
    "margin",
    "parse_period",
    "reconcile",
    "refresh",
    "report",
    "start_sandbox",
]
