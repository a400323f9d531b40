"""``xlbilling doctor``: first contact with a real Atria and Xarios, checked step by step and endpoint by endpoint.

``run_doctor(settings)`` gives a ``Report``: for each configured API the connection steps, then for every
endpoint its request, time, rows, the JSON key behind every xlbilling column (or missing), the keys not used
(with an example), values that did not parse, paging and envelope signs, and the settings lines to add.
"""

from xlbilling._doctor.checks import run_doctor
from xlbilling._doctor.report import ApiCheck, Endpoint, Report, Step

__all__ = ["ApiCheck", "Endpoint", "Report", "Step", "run_doctor"]
