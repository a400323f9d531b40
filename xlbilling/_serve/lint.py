"""A check of the manifest against the rules Microsoft's documentation states and Office's own validator does not
catch offline: the ``Id`` is a GUID and the ``Version`` n.n.n.n; every URL is https on the server's public host
(and, given a way to ask, served); one long-lived runtime whose ``resid`` the custom functions' page, the
``FunctionFile`` and every pane button share (the shared runtime will not load otherwise); the SharedRuntime
requirement; every ``resid`` defined and at most 32 characters."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import urlsplit

NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "ov": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
VERSION = re.compile(r"\d{1,5}(\.\d{1,5}){3}")
RESID_LENGTH = 32
_TYPE = f"{{{NS['xsi']}}}type"


def problems(xml: str, public_url: str, served: Callable[[str], bool] | None = None) -> list[str]:
    """What is wrong with the manifest ``xml`` for a server reached at ``public_url`` (empty when nothing);
    ``served(path)`` says whether the server answers a path (``/addin/taskpane.html``)."""
    try:
        root = parsed(xml)
    except ET.ParseError as error:
        return [f"not XML: {error}"]
    found: list[str] = []
    ident = root.findtext("o:Id", "", NS).strip()
    if not GUID.fullmatch(ident):
        found.append(f"Id {ident!r} is not a GUID")
    version = root.findtext("o:Version", "", NS).strip()
    if not VERSION.fullmatch(version):
        found.append(f"Version {version!r} is not n.n.n.n")
    found += _urls(root, public_url, served)
    found += _runtime(root)
    found += _resids(root)
    sets = {s.get("Name") for s in root.iterfind("o:Requirements/o:Sets/o:Set", NS)}
    if "SharedRuntime" not in sets:
        found.append("no SharedRuntime requirement set")
    return found


def parsed(xml: str) -> ET.Element:
    """The manifest's root element (the manifest is xlbilling's own, rendered by ``manifest.render``)."""
    return ET.fromstring(xml)  # noqa: S314


def urls(root: ET.Element) -> list[str]:
    """Every URL in the manifest, once each: attribute values and texts holding ``://``."""
    found = []
    for element in root.iter():
        values = [*element.attrib.values(), element.text or ""]
        found += [value.strip() for value in values if "://" in value]
    return list(dict.fromkeys(found))


def _urls(root: ET.Element, public_url: str, served: Callable[[str], bool] | None) -> list[str]:
    host = urlsplit(public_url).netloc.lower()
    found = []
    for url in urls(root):
        parts = urlsplit(url)
        if parts.scheme != "https":
            found.append(f"{url} is not https")
        if parts.netloc.lower() != host:
            found.append(f"{url} is not on {host}")
        elif served is not None and parts.scheme in ("http", "https") and not served(parts.path or "/"):
            found.append(f"{url} is not served")
    return found


def _runtime(root: ET.Element) -> list[str]:
    host = "ov:VersionOverrides/ov:Hosts/ov:Host"
    runtimes = root.findall(f"{host}/ov:Runtimes/ov:Runtime", NS)
    if len(runtimes) != 1:
        return [f"{len(runtimes)} runtimes: need exactly one"]
    runtime = runtimes[0]
    found = [] if runtime.get("lifetime") == "long" else ['the runtime\'s lifetime is not "long"']
    shared = runtime.get("resid")
    sharing: dict[str, list[ET.Element | None]] = {
        "the custom functions' page": [
            *root.findall(f"{host}/ov:AllFormFactors/ov:ExtensionPoint/ov:Page/ov:SourceLocation", NS)
        ],
        "the FunctionFile": [*root.findall(f"{host}/ov:DesktopFormFactor/ov:FunctionFile", NS)],
        "a pane button": [
            action.find("ov:SourceLocation", NS)
            for action in root.iter(f"{{{NS['ov']}}}Action")
            if action.get(_TYPE) == "ShowTaskpane"
        ],
    }
    for what, elements in sharing.items():
        if not elements:
            found.append(f"no {what}")
        for element in elements:
            resid = None if element is None else element.get("resid")
            if resid != shared:
                found.append(f"{what} uses {resid!r}, not the runtime's {shared!r}")
    return found


def _resids(root: ET.Element) -> list[str]:
    resources = "ov:VersionOverrides/ov:Resources"
    defined = {
        element.get("id")
        for kind in ("bt:Images/bt:Image", "bt:Urls/bt:Url", "bt:ShortStrings/bt:String", "bt:LongStrings/bt:String")
        for element in root.iterfind(f"{resources}/{kind}", NS)
    }
    found = []
    for element in root.iter():
        resid = element.get("resid")
        if resid is None:
            continue
        if resid not in defined:
            found.append(f"resid {resid!r} is not defined")
        if len(resid) > RESID_LENGTH:
            found.append(f"resid {resid!r} is longer than {RESID_LENGTH} characters")
    return sorted(set(found))
