"""What the sandbox MSP sells: services, plans and SKUs, each with its Xarios product and prices (GBP).

``SKUS`` is the single source of the sandbox's catalogue. ``data/prices.csv`` (what the MSP charges) and
``data/product-map.csv`` (Xarios part number -> Atria SKU) are generated from it by ``reference_files``;
``VENDOR_ONLY`` is a Xarios product with no Atria SKU and no product-map row (the seeded unmapped product).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CURRENCY = "GBP"
TAX_RATE = Decimal("0.20")


@dataclass(frozen=True)
class Sku:
    """One Atria SKU and the Xarios product that supplies it."""

    sku: str
    service_code: str
    service_name: str
    plan_name: str
    sku_type: str  # "User" or "Customer"
    grouping: str  # Atria summary grouping
    product_name: str  # Xarios product name
    part_number: str  # Xarios part number, without '#'
    unit_cost: Decimal  # what Xarios charges per unit per month
    unit_price: Decimal  # what the MSP charges per unit per month

    @property
    def product_tag(self) -> str:
        """The Xarios ``productTagName``: ``'{product name} #{part number}'``."""
        return f"{self.product_name} #{self.part_number}"

    @property
    def summary_description(self) -> str:
        """Atria's invoice-line text for this SKU."""
        if self.sku_type == "Customer":
            return f"{self.service_name} (Assigned to Customer)"
        return f"{self.service_name}, {self.plan_name}"

    @property
    def is_user_level(self) -> bool:
        """True for SKUs assigned to a user, False for those assigned to the customer."""
        return self.sku_type == "User"


def _sku(
    sku: str,
    service_code: str,
    service_name: str,
    plan_name: str,
    sku_type: str,
    grouping: str,
    product_name: str,
    part_number: str,
    cost: str,
    price: str,
) -> Sku:
    """A ``Sku`` with its unit cost and unit price given as exact decimal text."""
    return Sku(
        sku,
        service_code,
        service_name,
        plan_name,
        sku_type,
        grouping,
        product_name,
        part_number,
        Decimal(cost),
        Decimal(price),
    )


# fmt: off
SKUS: tuple[Sku, ...] = (
    _sku("M365-BB", "M365", "Microsoft 365", "Business Basic", "User", "Microsoft 365 Business Basic",
         "Business Basic", "XDM00001", "4.90", "6.00"),
    _sku("M365-BS", "M365", "Microsoft 365", "Business Standard", "User", "Microsoft 365 Business Standard",
         "Business Standard", "XDM00002", "10.30", "12.50"),
    _sku("M365-BP", "M365", "Microsoft 365", "Business Premium", "User", "Microsoft 365 Business Premium",
         "Business Premium", "XDM00003", "18.10", "22.00"),
    _sku("EXO-P1", "EXO", "Exchange Online", "Plan 1", "User", "Exchange Online Plan 1",
         "Exchange Online Plan 1", "XDM00004", "3.30", "4.00"),
    _sku("TEAMS-PH", "TEAMS", "Teams Phone", "Standard", "User", "Teams Phone Standard",
         "Teams Phone Standard", "XDM00007", "6.55", "8.00"),
    _sku("BKP-365", "BKP", "Cloud Backup", "Microsoft 365 User", "User", "Cloud Backup for Microsoft 365",
         "Backup User", "XDB00010", "1.45", "2.50"),
    _sku("AV-EP", "SEC", "Endpoint Security", "Endpoint Protection", "User", "Endpoint Protection",
         "Endpoint Protection", "XSE00020", "2.15", "3.50"),
    _sku("DNS-FLT", "DNSF", "DNS Filtering", "Site", "Customer", "DNS Filtering",
         "DNS Filter Site", "XSE00030", "24.00", "39.99"),
    _sku("DOM-HOST", "DOM", "Domain Hosting", "Standard", "Customer", "Domain Hosting",
         "Domain Hosting", "XHS00040", "1.20", "2.50"),
    _sku("ARCH-100", "ARCH", "Mail Archive", "100 GB", "Customer", "Mail Archive 100 GB",
         "Archive 100GB", "XDB00050", "7.75", "12.00"),
)
# fmt: on

BY_SKU: dict[str, Sku] = {s.sku: s for s in SKUS}
USER_SKUS: tuple[Sku, ...] = tuple(s for s in SKUS if s.is_user_level)
CUSTOMER_SKUS: tuple[Sku, ...] = tuple(s for s in SKUS if not s.is_user_level)

# A Xarios product the MSP never set up in Atria: no SKU, no product-map row.
VENDOR_ONLY = Sku("", "", "", "", "Customer", "", "Teams Rooms Pro", "XDM00099", Decimal("30.60"), Decimal(0))

NON_BILLABLE_REASONS: tuple[str, ...] = (
    "Internal use",
    "Free trial",
    "Included in support contract",
    "Charity discount",
)


def reference_files() -> dict[str, str]:
    """The text of ``prices.csv`` and ``product-map.csv`` as derived from ``SKUS`` (LF line ends)."""
    prices = ["sku,unit_price,currency,description,tax_rate"]
    prices += [f"{s.sku},{s.unit_price},{CURRENCY},{s.grouping},{TAX_RATE}" for s in SKUS]
    mapping = ["part_number,sku"] + [f"{s.part_number},{s.sku}" for s in SKUS]
    return {"prices.csv": "\n".join(prices) + "\n", "product-map.csv": "\n".join(mapping) + "\n"}
