"""The local sandbox: Atria's and Xarios' billing APIs served on 127.0.0.1 from a deterministic data set.

``start_sandbox()`` runs it in a background thread (tests, notebooks); ``xlbilling sandbox`` runs it in
the foreground. ``discrepancies(dataset)`` lists the seeded differences between the two APIs.
"""

from xlbilling._sandbox.dataset import Dataset
from xlbilling._sandbox.discrepancies import Discrepancy, discrepancies
from xlbilling._sandbox.server import Sandbox, build_app, start_sandbox

__all__ = ["Dataset", "Discrepancy", "Sandbox", "build_app", "discrepancies", "start_sandbox"]
