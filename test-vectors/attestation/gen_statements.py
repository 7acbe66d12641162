#!/usr/bin/env python3
"""Generates synthetic registration responses for tests/attestation_formats.rs.

Each output `*.json` is a registration ceremony in the shape of the
conformance cases (relypass-conformance/1: rp, challenge, now, response) plus
`anchors` (base64url DER roots) and `description`. They isolate checks that
mutating real authenticator bytes cannot reach, because every such check sits
behind a signature over the mutated bytes: e.g. an android-key certificate
whose key is not the credential key, but whose statement signature is valid.

Run once with python3 + `cryptography` + `cbor2`; the outputs are committed,
tests do not run this script. Keys are random, validity periods fixed
(2024-01-01 .. 2034-01-01), the verification time of every case is NOW.

`ONLY=a.json,b.json python3 gen_statements.py` writes only those cases (and not
root.der): each case carries its own run's root in `anchors`, so cases added
later need not regenerate the committed ones.
"""
import base64, datetime, hashlib, json, os
import cbor2
from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

OUT = os.path.dirname(os.path.abspath(__file__))
NB = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
NA = datetime.datetime(2034, 1, 1, tzinfo=datetime.timezone.utc)
NOW = 1_750_000_000  # 2025-06-15T15:06:40Z
RP_ID = "synthetic.example"
ORIGIN = "https://synthetic.example"
AAGUID = bytes.fromhex("5e1f7e57a77e4a7a9e5151a7a7e57a7e")
serial = [5000]
ONLY = [n for n in os.environ.get("ONLY", "").split(",") if n]


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def p256():
    return ec.generate_private_key(ec.SECP256R1())


# --- minimal DER writer (for the Android KeyDescription and Apple nonce) ---
def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return tag + der_len(len(content)) + content


def der_int(v, tag=b"\x02"):
    n = max(1, (v.bit_length() + 8) // 8)
    return tlv(tag, v.to_bytes(n, "big", signed=True))


def der_enum(v):
    return der_int(v, b"\x0a")


def octets(b):
    return tlv(b"\x04", b)


def seq(*items):
    return tlv(b"\x30", b"".join(items))


def set_of(*items):
    return tlv(b"\x31", b"".join(sorted(items)))


def explicit(num, content):
    """Context-specific constructed tag [num] EXPLICIT (high-tag-number form past 30)."""
    if num < 31:
        return tlv(bytes([0xA0 | num]), content)
    digits = []
    while True:
        digits.insert(0, num & 0x7F)
        num >>= 7
        if not num:
            break
    tag = bytes([0xBF]) + bytes([d | 0x80 for d in digits[:-1]] + [digits[-1]])
    return tlv(tag, content)


def auth_list(purpose=None, all_apps=False, origin=None):
    items = []
    if purpose is not None:
        items.append(explicit(1, set_of(*[der_int(p) for p in purpose])))
    if all_apps:
        items.append(explicit(600, b"\x05\x00"))
    if origin is not None:
        items.append(explicit(702, der_int(origin)))
    return seq(*items)


def key_description(challenge, sw, tee):
    # attestationVersion 3, attestationSecurityLevel TEE, keymasterVersion 4, TEE.
    return seq(der_int(3), der_enum(1), der_int(4), der_enum(1), octets(challenge), octets(b""), sw, tee)


# --- certificates ---------------------------------------------------------
def cert(subject, key, issuer, issuer_key, *, ca, extra=()):
    serial[0] += 1
    b = (x509.CertificateBuilder()
         .subject_name(subject)
         .issuer_name(issuer)
         .public_key(key.public_key())
         .serial_number(serial[0])
         .not_valid_before(NB)
         .not_valid_after(NA)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    for ext, crit in extra:
        b = b.add_extension(ext, critical=crit)
    return b.sign(issuer_key, hashes.SHA256())


def der(c):
    return c.public_bytes(serialization.Encoding.DER)


def name(cn, ou=None, country="AA", org="relypass synthetic"):
    attrs = []
    if country:
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


ROOT_K = p256()
ROOT_N = name("relypass synthetic attestation root")
ROOT = cert(ROOT_N, ROOT_K, ROOT_N, ROOT_K, ca=True)
INT_K = p256()
INT_N = name("relypass synthetic attestation CA")
INT = cert(INT_N, INT_K, ROOT_N, ROOT_K, ca=True)


def leaf(key, subject, extra=(), ca=False):
    return cert(subject, key, INT_N, INT_K, ca=ca, extra=extra)


def unrecognized(oid, value):
    return x509.UnrecognizedExtension(ObjectIdentifier(oid), value)


# --- WebAuthn structures --------------------------------------------------
def cose_p256(key):
    n = key.public_key().public_numbers()
    return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"), -3: n.y.to_bytes(32, "big")})


def auth_data(cred_id, cose, aaguid=AAGUID, flags=0x45):
    return (hashlib.sha256(RP_ID.encode()).digest() + bytes([flags]) + (0).to_bytes(4, "big")
            + aaguid + len(cred_id).to_bytes(2, "big") + cred_id + cose)


def client_data(challenge):
    return json.dumps({"type": "webauthn.create", "challenge": b64u(challenge), "origin": ORIGIN,
                       "crossOrigin": False}, separators=(",", ":")).encode()


def sign_der(key, msg):
    return key.sign(msg, ec.ECDSA(hashes.SHA256()))


def rsa2048():
    return rsa.generate_private_key(65537, 2048)


def cose_rsa(key):
    n = key.public_key().public_numbers()
    return cbor2.dumps({1: 3, 3: -257, -1: n.n.to_bytes(256, "big"), -2: n.e.to_bytes(3, "big")})


def sign_rs1(key, msg):
    # RS1: RSASSA-PKCS1-v1_5 with SHA-1 (COSE -65535).
    return key.sign(msg, padding.PKCS1v15(), hashes.SHA1())


def write_case(fname, description, challenge, cred_id, cdj, fmt, att_stmt, ad):
    if ONLY and fname not in ONLY:
        return
    att_obj = cbor2.dumps({"fmt": fmt, "attStmt": att_stmt, "authData": ad})
    case = {
        "name": fname[:-5],
        "description": description,
        "rp": {"id": RP_ID, "origins": [ORIGIN]},
        "challenge": b64u(challenge),
        "now": NOW,
        "anchors": [b64u(der(ROOT))],
        "response": {
            "id": b64u(cred_id),
            "rawId": b64u(cred_id),
            "type": "public-key",
            "response": {"clientDataJSON": b64u(cdj), "attestationObject": b64u(att_obj),
                         "transports": ["usb"]},
            "clientExtensionResults": {},
        },
    }
    with open(os.path.join(OUT, fname), "w") as f:
        json.dump(case, f, indent=1)
        f.write("\n")


counter = [0]


def fresh():
    """A new challenge, credential id and credential key."""
    counter[0] += 1
    return os.urandom(32), bytes([counter[0]]) * 16, p256()


# --- packed (full attestation), §8.2.1 certificate requirements ----------
PACKED_OU = "Authenticator Attestation"


def packed(fname, description, *, subject=None, extra=None, ca=False, aaguid=AAGUID):
    challenge, cred_id, cred_k = fresh()
    att_k = p256()
    if extra is None:
        extra = [(unrecognized("1.3.6.1.4.1.45724.1.1.4", octets(aaguid)), False)]
    c = leaf(att_k, subject or name("packed authenticator", PACKED_OU), extra, ca=ca)
    ad = auth_data(cred_id, cose_p256(cred_k))
    cdj = client_data(challenge)
    sig = sign_der(att_k, ad + hashlib.sha256(cdj).digest())
    write_case(fname, description, challenge, cred_id, cdj, "packed",
               {"alg": -7, "sig": sig, "x5c": [der(c), der(INT)]}, ad)


def packed_rs1(fname, description):
    challenge, cred_id, cred_k = fresh()
    att_k = rsa2048()
    extra = [(unrecognized("1.3.6.1.4.1.45724.1.1.4", octets(AAGUID)), False)]
    c = leaf(att_k, name("packed authenticator", PACKED_OU), extra)
    ad = auth_data(cred_id, cose_p256(cred_k))
    cdj = client_data(challenge)
    sig = sign_rs1(att_k, ad + hashlib.sha256(cdj).digest())
    write_case(fname, description, challenge, cred_id, cdj, "packed",
               {"alg": -65535, "sig": sig, "x5c": [der(c), der(INT)]}, ad)


packed("packed-valid.json", "packed full attestation that verifies (baseline)")
packed("packed-aaguid-mismatch.json", "certificate AAGUID extension differs from authData AAGUID",
       aaguid=bytes(16))
packed("packed-aaguid-critical.json", "certificate AAGUID extension is marked critical",
       extra=[(unrecognized("1.3.6.1.4.1.45724.1.1.4", octets(AAGUID)), True)])
packed("packed-wrong-ou.json", "subject OU is not \"Authenticator Attestation\"",
       subject=name("packed authenticator", "Something Else"))
packed("packed-no-country.json", "subject lacks C",
       subject=name("packed authenticator", PACKED_OU, country=None))
packed("packed-leaf-is-ca.json", "attestation certificate has basicConstraints CA=true", ca=True)


# --- android-key, §8.4 -----------------------------------------------------
TEE_OK = dict(purpose=[2], origin=0)


def android_key(fname, description, *, sw=None, tee=None, wrong_challenge=False, cert_key_is_cred=True,
                extension=True):
    challenge, cred_id, cred_k = fresh()
    ad = auth_data(cred_id, cose_p256(cred_k))
    cdj = client_data(challenge)
    cdh = hashlib.sha256(cdj).digest()
    kd_challenge = hashlib.sha256(cdh).digest() if wrong_challenge else cdh
    kd = key_description(kd_challenge, auth_list(**(sw or {})), auth_list(**(TEE_OK if tee is None else tee)))
    cert_k = cred_k if cert_key_is_cred else p256()
    extra = [(unrecognized("1.3.6.1.4.1.11129.2.1.17", kd), False)] if extension else []
    c = leaf(cert_k, name("Android Keystore Key", country=None, org="relypass synthetic"), extra)
    sig = sign_der(cert_k, ad + cdh)
    write_case(fname, description, challenge, cred_id, cdj, "android-key",
               {"alg": -7, "sig": sig, "x5c": [der(c), der(INT)]}, ad)


def android_key_rs1(fname, description):
    challenge, cred_id, _ = fresh()
    cred_k = rsa2048()
    ad = auth_data(cred_id, cose_rsa(cred_k))
    cdj = client_data(challenge)
    cdh = hashlib.sha256(cdj).digest()
    kd = key_description(cdh, auth_list(), auth_list(**TEE_OK))
    extra = [(unrecognized("1.3.6.1.4.1.11129.2.1.17", kd), False)]
    c = leaf(cred_k, name("Android Keystore Key", country=None, org="relypass synthetic"), extra)
    write_case(fname, description, challenge, cred_id, cdj, "android-key",
               {"alg": -65535, "sig": sign_rs1(cred_k, ad + cdh), "x5c": [der(c), der(INT)]}, ad)


android_key("android-key-valid.json", "android-key, origin GENERATED and purpose SIGN in teeEnforced (baseline)")
android_key("android-key-wrong-challenge.json", "attestationChallenge is not clientDataHash", wrong_challenge=True)
android_key("android-key-wrong-key.json",
            "certificate key is not the credential key (statement signed by the certificate key)",
            cert_key_is_cred=False)
android_key("android-key-all-applications.json", "allApplications present in teeEnforced",
            tee=dict(purpose=[2], origin=0, all_apps=True))
android_key("android-key-software-only.json", "origin and purpose only in softwareEnforced",
            sw=TEE_OK, tee={})
android_key("android-key-no-sign-purpose.json", "purpose lacks SIGN (only ENCRYPT/DECRYPT)",
            tee=dict(purpose=[0, 1], origin=0))
android_key("android-key-imported.json", "origin is KM_ORIGIN_IMPORTED (2)", tee=dict(purpose=[2], origin=2))
android_key("android-key-no-extension.json", "certificate has no key description extension", extension=False)


# --- apple, §8.8 -----------------------------------------------------------
def apple(fname, description, *, cert_key_is_cred=True, nonce_ext=True):
    challenge, cred_id, cred_k = fresh()
    ad = auth_data(cred_id, cose_p256(cred_k))
    cdj = client_data(challenge)
    nonce = hashlib.sha256(ad + hashlib.sha256(cdj).digest()).digest()
    extra = [(unrecognized("1.2.840.113635.100.8.2", seq(explicit(1, octets(nonce)))), False)] if nonce_ext else []
    cert_k = cred_k if cert_key_is_cred else p256()
    c = leaf(cert_k, name("apple credential", country=None), extra)
    write_case(fname, description, challenge, cred_id, cdj, "apple", {"x5c": [der(c), der(INT)]}, ad)


apple("apple-valid.json", "apple anonymous attestation that verifies (baseline)")
apple("apple-wrong-key.json", "credCert key is not the credential key, nonce correct", cert_key_is_cred=False)
apple("apple-no-nonce.json", "credCert lacks the nonce extension", nonce_ext=False)


# --- android-safetynet, §8.5 ------------------------------------------------
def safetynet(fname, description, *, host="attest.android.com", payload_over=None):
    challenge, cred_id, cred_k = fresh()
    ad = auth_data(cred_id, cose_p256(cred_k))
    cdj = client_data(challenge)
    nonce = base64.b64encode(hashlib.sha256(ad + hashlib.sha256(cdj).digest()).digest()).decode()
    jws_k = p256()
    c = leaf(jws_k, name(host, country=None), [(x509.SubjectAlternativeName([x509.DNSName(host)]), False)])
    payload = {"nonce": nonce, "timestampMs": NOW * 1000 - 5000, "apkPackageName": "com.google.android.gms",
               "ctsProfileMatch": True, "basicIntegrity": True, "evaluationType": "BASIC"}
    payload.update(payload_over or {})
    payload = {k: v for k, v in payload.items() if v is not None}
    header = {"alg": "ES256", "x5c": [base64.b64encode(der(c)).decode(), base64.b64encode(der(INT)).decode()]}
    si = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(payload).encode())
    r, s = decode_dss_signature(jws_k.sign(si.encode(), ec.ECDSA(hashes.SHA256())))
    jws = si + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    write_case(fname, description, challenge, cred_id, cdj, "android-safetynet",
               {"ver": "214815022", "response": jws.encode()}, ad)


safetynet("safetynet-valid.json", "SafetyNet response that verifies, timestampMs 5 s before now (baseline)")
safetynet("safetynet-wrong-host.json", "JWS leaf certificate is for another host", host="attest.example.com")
safetynet("safetynet-basic-integrity-false.json", "basicIntegrity false", payload_over={"basicIntegrity": False})
safetynet("safetynet-cts-false.json", "ctsProfileMatch false (basicIntegrity true)",
          payload_over={"ctsProfileMatch": False})
safetynet("safetynet-no-timestamp.json", "timestampMs missing", payload_over={"timestampMs": None})

packed_rs1("packed-rs1.json", "packed full attestation with alg RS1 (-65535, SHA-1), RSA attestation key")
android_key_rs1("android-key-rs1.json",
                "android-key with alg RS1 (-65535, SHA-1), RSA credential key (otherwise valid)")

if not ONLY:
    with open(os.path.join(OUT, "root.der"), "wb") as f:
        f.write(der(ROOT))
print("ok")
