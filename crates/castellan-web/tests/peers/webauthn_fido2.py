# A WebAuthn soft authenticator built from python-fido2's data classes: it answers Castellan's
# creation and request options the way a browser plus authenticator would, and can be told to
# misbehave (wrong origin, wrong RP id, missing UP/UV flags, a stale challenge, a broken
# signature, a rewound counter) so the relying party's checks can be exercised one by one.
# Input (JSON on stdin): {"op": "create"|"get", "options": {...}, "origin": "...", ...}.
import hashlib, json, os, sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (Aaguid, AttestationObject, AttestedCredentialData,
                            AuthenticatorData, CollectedClientData)

a = json.load(sys.stdin)
o = a["options"]
F = AuthenticatorData.FLAG


def flags(extra):
    f = extra
    if a.get("up", True):
        f |= F.UP
    if a.get("uv", True):
        f |= F.UV
    return f


def client_data(kind):
    challenge = websafe_decode(a.get("challenge", o["challenge"]))
    return CollectedClientData.create(type=kind, challenge=challenge, origin=a["origin"])


def load_key():
    if "key" in a:
        return serialization.load_pem_private_key(a["key"].encode(), password=None)
    return ec.generate_private_key(ec.SECP256R1())


def pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


key = load_key()
if a["op"] == "create":
    rp_id = a.get("rp_id", o["rp"]["id"])
    cred_id = websafe_decode(a["credential_id"]) if "credential_id" in a else os.urandom(32)
    aaguid = Aaguid(bytes.fromhex(a.get("aaguid", "0" * 32).replace("-", "")))
    cose = ES256.from_cryptography_key(key.public_key())
    acd = AttestedCredentialData.create(aaguid, cred_id, cose)
    cd = client_data(CollectedClientData.TYPE.CREATE)
    auth = AuthenticatorData.create(hashlib.sha256(rp_id.encode()).digest(), flags(F.AT),
                                    a.get("counter", 0), acd)
    if a.get("fmt", "packed") == "packed":
        sig = key.sign(bytes(auth) + cd.hash, ec.ECDSA(hashes.SHA256()))
        stmt = {"alg": -7, "sig": sig}
    else:
        stmt = {}
    att = AttestationObject.create(a.get("fmt", "packed"), auth, stmt)
    cred = {"id": websafe_encode(cred_id), "rawId": websafe_encode(cred_id), "type": "public-key",
            "response": {"clientDataJSON": websafe_encode(bytes(cd)),
                         "attestationObject": websafe_encode(bytes(att)),
                         "transports": ["internal"]},
            "registrationClientExtensions": {}}
else:
    rp_id = a.get("rp_id", o["rpId"])
    cred_id = websafe_decode(a["credential_id"])
    allowed = [websafe_decode(c["id"]) for c in o.get("allowCredentials", [])]
    if allowed and cred_id not in allowed and not a.get("ignore_allow", False):
        raise SystemExit("the credential is not in allowCredentials")
    cd = client_data(CollectedClientData.TYPE.GET)
    auth = AuthenticatorData.create(hashlib.sha256(rp_id.encode()).digest(), flags(0),
                                    a.get("counter", 1))
    sig = key.sign(bytes(auth) + cd.hash, ec.ECDSA(hashes.SHA256()))
    if a.get("tamper"):
        sig = key.sign(bytes(auth) + b"tampered", ec.ECDSA(hashes.SHA256()))
    cred = {"id": websafe_encode(cred_id), "rawId": websafe_encode(cred_id), "type": "public-key",
            "response": {"clientDataJSON": websafe_encode(bytes(cd)),
                         "authenticatorData": websafe_encode(bytes(auth)),
                         "signature": websafe_encode(sig),
                         "userHandle": a.get("user_handle")}}
print(json.dumps({"credential": cred, "key": pem(key), "credential_id": websafe_encode(cred_id)}))
