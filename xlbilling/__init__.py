"""xlbilling: MSP billing data from Atria and Xarios into pandas, Excel, invoices and margin-leak reports."""

from xlbilling._errors import (
    ApiError,
    ApiTimeout,
    ApiUnreachable,
    AuthError,
    BadResponse,
    ConfigError,
    DataError,
    InputError,
    MissingTaxRateError,
    NotFoundError,
    OpenPeriodError,
    RateLimitError,
    ServerError,
    TemplateError,
    XlbillingError,
)

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "ApiTimeout",
    "ApiUnreachable",
    "AuthError",
    "BadResponse",
    "ConfigError",
    "DataError",
    "InputError",
    "MissingTaxRateError",
    "NotFoundError",
    "OpenPeriodError",
    "RateLimitError",
    "ServerError",
    "TemplateError",
    "XlbillingError",
    "__version__",
]
