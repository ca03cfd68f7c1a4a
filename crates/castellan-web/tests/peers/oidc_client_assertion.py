# authlib and jwcrypto as machine clients authenticating with a JWT assertion (RFC 7523) at
# grant_type=client_credentials: authlib's private_key_jwt signs with the key whose public half
# an OAuth source holds; jwcrypto forges the bad ones (wrong key, alg none, no signature,
# tampered payload, HMAC with the public key, expired, unknown or missing kid, no subject).
import base64
import time
import uuid

from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.jwk import ECKey, RSAKey
from jwcrypto import jwk
from jwcrypto import jwt as jjwt

slug = ARGS["slug"]
cid = ARGS["client_id"]
alg = ARGS["alg"]
kid = ARGS["kid"]
token_url = f"{BASE}/application/o/token/"
res = {}

signing = PrivateKeyJWT(token_url, headers={"kid": kid}, alg=alg)
# authlib reads a PEM as RSA; other key types are handed over as key objects.
private = (RSAKey if alg == "RS256" else ECKey).import_key(ARGS["private_pem"])
session = OAuth2Session(cid, private, token_endpoint_auth_method=signing,
                        scope="openid profile")
tok = session.fetch_token(token_url, grant_type="client_credentials", client_id=cid)
res["token_type"] = tok.get("token_type")
res["scope"] = tok.get("scope")
res["refresh"] = "refresh_token" in tok
provider_keys = jwk.JWKSet.from_json(requests.get(f"{BASE}/application/o/{slug}/jwks/").text)
res["id_claims"] = json.loads(jjwt.JWT(jwt=tok["id_token"], key=provider_keys).claims)
res["userinfo"] = requests.get(f"{BASE}/application/o/userinfo/",
                               headers={"Authorization": f"Bearer {tok['access_token']}"}).json()
again = session.fetch_token(token_url, grant_type="client_credentials", client_id=cid)
res["second_sub"] = json.loads(jjwt.JWT(jwt=again["id_token"], key=provider_keys).claims)["sub"]

key = jwk.JWK.from_pem(ARGS["private_pem"].encode())
now = int(time.time())
good = {"iss": cid, "sub": cid, "aud": token_url, "exp": now + 300, "jti": str(uuid.uuid4())}


def b64(obj):
    raw = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def make(claims, header=None, signing_key=key):
    h = {"alg": alg, "kid": kid}
    h.update(header or {})
    h = {k: v for k, v in h.items() if v is not None}
    t = jjwt.JWT(header=h, claims=claims)
    t.make_signed_token(signing_key)
    return t.serialize()


def post(assertion, **extra):
    data = {"grant_type": "client_credentials", "client_id": cid, "scope": "openid",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion}
    data.update(extra)
    r = requests.post(token_url, data=data)
    return [r.status_code, r.json()]


other = jwk.JWK.generate(kty="RSA", size=2048) if alg == "RS256" else \
    jwk.JWK.generate(kty="EC", crv="P-256")
valid = make(good)
header, payload, signature = valid.split(".")
res["jwcrypto_valid"] = post(valid)[0]
res["bad"] = {
    "wrong_key": post(make(good, signing_key=other)),
    "alg_none": post(f"{b64({'alg': 'none', 'kid': kid})}.{payload}."),
    "no_signature": post(f"{header}.{payload}."),
    "tampered": post(f"{header}.{b64({**good, 'sub': 'someone-else'})}.{signature}"),
    "hmac_with_public_key": post(make(good, header={"alg": "HS256"}, signing_key=jwk.JWK(
        kty="oct", k=b64(key.export_to_pem())))),
    "expired": post(make({**good, "exp": now - 60})),
    "unknown_kid": post(make(good, header={"kid": "not-in-any-source"})),
    "no_kid": post(make(good, header={"kid": None})),
    "no_subject": post(make({k: v for k, v in good.items() if k != "sub"})),
    "malformed": post("this.is-not-a-jwt"),
    "garbage": post("%%%"),
    "empty": post(""),
    "wrong_assertion_type": post(valid, client_assertion_type="urn:ietf:params:oauth:client-assertion-type:saml2-bearer"),
    "policy_denied": post(make({**good, "team": "blocked"})),
}
out(res)
