# The device authorization grant (RFC 8628) and the authorization endpoint's prompt / max_age
# handling, driven with plain HTTP: a device polls while a browser approves it at /device; a
# logged-in browser gets a code with prompt=none, and logs in again for prompt=login and an
# exceeded max_age (seen in the ID token's auth_time).
import time

from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt

slug = ARGS["slug"]
cid = ARGS["client_id"]
secret = ARGS["client_secret"]
redirect_uri = ARGS["redirect_uri"]
res = {}
conf = requests.get(f"{BASE}/application/o/{slug}/.well-known/openid-configuration").json()
jwks = JsonWebKey.import_key_set(requests.get(conf["jwks_uri"]).json())

start = requests.post(conf["device_authorization_endpoint"],
                      data={"client_id": cid, "scope": "openid profile offline_access"})
dev = start.json()
res["device_start"] = [start.status_code, sorted(dev)]
res["user_code_digits"] = dev["user_code"].isdigit() and len(dev["user_code"]) == 9


def poll():
    r = requests.post(conf["token_endpoint"], auth=(cid, secret), data={
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": dev["device_code"]})
    return [r.status_code, r.json()]


res["poll_pending"] = poll()
browser = requests.Session()
res["device_approval"] = browse(browser, dev["verification_uri_complete"],
                                ARGS["username"], ARGS["password"])
# authlib's client redeems the approved device code.
device_client = OAuth2Session(cid, secret)
granted = device_client.fetch_token(conf["token_endpoint"],
                                    grant_type="urn:ietf:params:oauth:grant-type:device_code",
                                    device_code=dev["device_code"])
res["poll_granted"] = sorted(granted)
res["poll_granted_scope"] = granted.get("scope")
res["poll_granted_id_token_aud"] = dict(jwt.decode(granted["id_token"], jwks)).get("aud")
res["poll_again"] = poll()

# Without ?code=: the brand's device-code flow asks for the code (a wrong one first).
second = requests.post(conf["device_authorization_endpoint"],
                       data={"client_id": cid, "scope": "openid"}).json()
DEVICE_CODES.extend(["000000000", second["user_code"]])
res["entry_approval"] = browse(browser, second["verification_uri"],
                               ARGS["username"], ARGS["password"])
res["entry_errors"] = DEVICE_CODE_ERRORS
r = requests.post(conf["token_endpoint"], auth=(cid, secret), data={
    "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
    "device_code": second["device_code"]})
res["entry_poll"] = [r.status_code, sorted(r.json())]


def code_flow(extra):
    params = {"client_id": cid, "redirect_uri": redirect_uri, "response_type": "code",
              "scope": "openid", "state": "st"}
    params.update(extra)
    landing = browse(browser, conf["authorization_endpoint"] + "?" + urllib.parse.urlencode(params),
                     ARGS["username"], ARGS["password"])
    q = query_of(landing["redirect"])
    if "code" not in q:
        return q
    t = requests.post(conf["token_endpoint"], auth=(cid, secret), data={
        "grant_type": "authorization_code", "code": q["code"], "redirect_uri": redirect_uri}).json()
    return dict(jwt.decode(t["id_token"], jwks))


first = code_flow({})
res["amr"] = first.get("amr")
time.sleep(1.2)
silent = code_flow({"prompt": "none"})
res["prompt_none_same_login"] = silent.get("auth_time") == first.get("auth_time")
time.sleep(1.2)
relogin = code_flow({"prompt": "login"})
res["prompt_login_new_login"] = relogin.get("auth_time", 0) > first.get("auth_time", 0)
time.sleep(1.2)
aged = code_flow({"max_age": "1"})
res["max_age_new_login"] = aged.get("auth_time", 0) > relogin.get("auth_time", 0)
fresh = code_flow({"max_age": "3600"})
res["max_age_recent_same_login"] = fresh.get("auth_time") == aged.get("auth_time")
anon = requests.Session()
r = anon.get(conf["authorization_endpoint"] + "?" + urllib.parse.urlencode({
    "client_id": cid, "redirect_uri": redirect_uri, "response_type": "code", "scope": "openid",
    "state": "st", "prompt": "none"}), allow_redirects=False)
res["prompt_none_anonymous"] = query_of(r.headers.get("Location", ""))

# response_mode=form_post: an auto-submitting form to the redirect URI.
landing = browse(browser, conf["authorization_endpoint"] + "?" + urllib.parse.urlencode({
    "client_id": cid, "redirect_uri": redirect_uri, "response_type": "code", "scope": "openid",
    "state": "fp", "response_mode": "form_post"}), ARGS["username"], ARGS["password"])
form = landing.get("form_post", {})
res["form_post"] = {"url": form.get("url"), "fields": sorted(form.get("attrs", {})),
                    "state": form.get("attrs", {}).get("state")}
t = requests.post(conf["token_endpoint"], auth=(cid, secret), data={
    "grant_type": "authorization_code", "code": form.get("attrs", {}).get("code", ""),
    "redirect_uri": redirect_uri})
res["form_post_exchange"] = t.status_code

# GitHub-compatible endpoints: GitHub scopes are kept on /login/oauth/authorize only.
landing = browse(browser, f"{BASE}/login/oauth/authorize?" + urllib.parse.urlencode({
    "client_id": cid, "redirect_uri": redirect_uri, "scope": "user:email read:org",
    "state": "gh"}), ARGS["username"], ARGS["password"])
q = query_of(landing["redirect"])
t = requests.post(f"{BASE}/login/oauth/access_token", auth=(cid, secret), data={
    "grant_type": "authorization_code", "code": q["code"], "redirect_uri": redirect_uri}).json()
res["github_scope"] = t.get("scope")
gh = {"Authorization": "token " + t["access_token"], "Accept": "application/json"}
user = requests.get(f"{BASE}/user", headers=gh)
res["github_user"] = [user.status_code, user.json().get("login"), user.json().get("email")]
teams = requests.get(f"{BASE}/user/teams", headers=gh)
res["github_teams"] = [teams.status_code, [team["name"] for team in teams.json()]]
res["github_user_without_token"] = requests.get(f"{BASE}/user").status_code
out(res)
