# Shared prelude of the Python OIDC peer scripts: reads the JSON arguments from stdin and walks
# a "browser" (a requests.Session) through Castellan the way authentik's web client does: every
# redirect to a flow page runs that flow through the flow executor API.
import json
import sys
import urllib.parse

import requests

ARGS = json.load(sys.stdin)
BASE = ARGS["base"]


def out(obj):
    print(json.dumps(obj))


# Codes the device-code stage is answered with, in turn; the errors it answered with.
DEVICE_CODES = []
DEVICE_CODE_ERRORS = []


def _answer(ch, username, password):
    comp = ch.get("component")
    if comp == "ak-provider-oauth2-device-code" and DEVICE_CODES:
        if ch.get("response_errors"):
            DEVICE_CODE_ERRORS.append(ch["response_errors"])
        return {"code": DEVICE_CODES.pop(0)}
    if comp == "ak-stage-identification":
        return {"uid_field": username}
    if comp == "ak-stage-password":
        return {"password": password}
    if comp == "ak-stage-consent":
        return {"token": ch.get("token", "")}
    if comp == "ak-stage-authenticator-validate" and ARGS.get("totp_secret"):
        import pyotp

        return {"code": pyotp.TOTP(ARGS["totp_secret"]).now()}
    return None


def run_flow(s, slug, query, username, password):
    """Runs one flow through the executor API; returns its last challenge."""
    url = f"{BASE}/api/v3/flows/executor/{slug}/?query={urllib.parse.quote(query)}"
    ch = s.get(url).json()
    for _ in range(12):
        body = _answer(ch, username, password)
        if body is None:
            return ch
        body["component"] = ch["component"]
        csrf = s.cookies.get("authentik_csrf", "")
        ch = s.post(url, json=body, headers={"X-authentik-CSRF": csrf}).json()
    return ch


def browse(s, url, username, password):
    """Follows `url` like a browser. Returns {"redirect": <first URL outside Castellan>},
    {"form_post": <autosubmit challenge>}, {"challenge": <a flow stopped on it>} or
    {"status": <code>, "body": <text>} for a page that is not a redirect."""
    for _ in range(16):
        r = s.get(url, allow_redirects=False)
        if r.status_code not in (301, 302, 303, 307):
            return {"status": r.status_code, "url": url, "body": r.text[:4000]}
        loc = urllib.parse.urljoin(url, r.headers["Location"])
        if not loc.startswith(BASE + "/"):
            return {"redirect": loc}
        parsed = urllib.parse.urlparse(loc)
        if parsed.path.startswith("/if/flow/"):
            slug = parsed.path.split("/")[3]
            ch = run_flow(s, slug, parsed.query, username, password)
            if ch.get("component") == "ak-stage-autosubmit":
                return {"form_post": ch}
            if ch.get("component") != "xak-flow-redirect":
                return {"challenge": ch}
            loc = urllib.parse.urljoin(BASE + "/", ch["to"])
            if not loc.startswith(BASE + "/"):
                return {"redirect": loc}
            # A flow handing over to another flow's page (the device-code stage does).
            while urllib.parse.urlparse(loc).path.startswith("/if/flow/"):
                parsed = urllib.parse.urlparse(loc)
                ch = run_flow(s, parsed.path.split("/")[3], parsed.query, username, password)
                if ch.get("component") != "xak-flow-redirect":
                    return {"challenge": ch}
                loc = urllib.parse.urljoin(BASE + "/", ch["to"])
                if not loc.startswith(BASE + "/"):
                    return {"redirect": loc}
        url = loc
    raise RuntimeError("too many redirects")


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))


def fragment_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).fragment))
