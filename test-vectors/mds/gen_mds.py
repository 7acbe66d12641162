#!/usr/bin/env python3
"""Generates a FIDO MDS3-shaped metadata BLOB and its PKI for tests/mds.rs.

Outputs (committed; tests do not run this script):
- root.der        the BLOB signing root ("relypass test MDS root"), 2024..2124
- other_root.der  a root with the same name and another key (wrong root)
- blob.jwt        RS256 compact JWT, x5c = [signer (2024-01-01..2030-01-01), intermediate]
- blob_bad_payload.jwt  signed correctly, payload lacks nextUpdate
- blob_duplicate.jwt    signed correctly, two entries with the same AAGUID

The entries describe authenticators of the shared conformance vectors
(test-vectors/conformance), so a test can register them against the BLOB.
Run with python3 + `cryptography`.
"""
import base64, datetime, json, os
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, padding

OUT = os.path.dirname(os.path.abspath(__file__))
VEC = os.path.join(OUT, "..", "conformance")
UTC = datetime.timezone.utc


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "AA"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "relypass test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(subject, key, issuer, issuer_key, serial, *, ca, nb, na):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(nb).not_valid_after(na)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
    return b.sign(issuer_key, hashes.SHA256())


def der(c):
    return c.public_bytes(serialization.Encoding.DER)


def save(fname, c):
    with open(os.path.join(OUT, fname), "wb") as f:
        f.write(der(c))


Y2024 = datetime.datetime(2024, 1, 1, tzinfo=UTC)
ROOT_N = name("relypass test MDS root")
root_k = ec.generate_private_key(ec.SECP256R1())
root = cert(ROOT_N, root_k, ROOT_N, root_k, 1, ca=True, nb=Y2024, na=datetime.datetime(2124, 1, 1, tzinfo=UTC))
other_k = ec.generate_private_key(ec.SECP256R1())
other = cert(ROOT_N, other_k, ROOT_N, other_k, 2, ca=True, nb=Y2024, na=datetime.datetime(2124, 1, 1, tzinfo=UTC))
INT_N = name("relypass test MDS CA")
int_k = ec.generate_private_key(ec.SECP256R1())
inter = cert(INT_N, int_k, ROOT_N, root_k, 3, ca=True, nb=Y2024, na=datetime.datetime(2100, 1, 1, tzinfo=UTC))
signer_k = rsa.generate_private_key(65537, 2048)
signer = cert(name("relypass test MDS signer"), signer_k, INT_N, int_k, 4, ca=False, nb=Y2024,
              na=datetime.datetime(2030, 1, 1, tzinfo=UTC))
save("root.der", root)
save("other_root.der", other)


def pem_body(path):
    text = open(os.path.join(VEC, path)).read()
    return "".join(l for l in text.splitlines() if l and not l.startswith("-----"))


def vector_x5c0(path):
    import cbor2
    case = json.load(open(os.path.join(VEC, "vectors", path)))
    s = case["response"]["response"]["attestationObject"]
    obj = cbor2.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    return x509.load_der_x509_certificate(obj["attStmt"]["x5c"][0])


def key_identifier(c):
    # MDS3 attestationCertificateKeyIdentifiers: SHA-1 of the subjectPublicKey BIT STRING value.
    return x509.SubjectKeyIdentifier.from_public_key(c.public_key()).digest.hex()


W3C_CA = pem_body("trust-anchors/w3c-test-vectors-attestation-ca.pem")
YUBICO = pem_body("trust-anchors/yubico-u2f-root-ca-serial-457200631.pem")


def entry(aaguid, description, reports, roots=(W3C_CA,), types=("basic_full",)):
    return {
        "aaguid": aaguid,
        "metadataStatement": {
            "legalHeader": "https://fidoalliance.org/metadata/metadata-statement-legal-header/",
            "aaguid": aaguid,
            "description": description,
            "authenticatorVersion": 1,
            "protocolFamily": "fido2",
            "schema": 3,
            "upv": [{"major": 1, "minor": 0}],
            "authenticationAlgorithms": ["secp256r1_ecdsa_sha256_raw"],
            "publicKeyAlgAndEncodings": ["cose"],
            "attestationTypes": list(types),
            "userVerificationDetails": [[{"userVerificationMethod": "presence_internal"}]],
            "keyProtection": ["hardware", "secure_element"],
            "matcherProtection": ["on_chip"],
            "attachmentHint": ["external", "wired"],
            "tcDisplay": [],
            "attestationRootCertificates": list(roots),
        },
        "statusReports": [{"status": s, "effectiveDate": d} for s, d in reports],
        "timeOfLastStatusChange": max(d for _, d in reports),
    }


u2f_cert = vector_x5c0("fido-u2f/yubico-u2f-webauthn-io.json")
ENTRIES = [
    entry("876ca4f5-2071-c3e9-b255-09ef2cdf7ed6", "W3C test authenticator (packed ES256)",
          [("FIDO_CERTIFIED_L1", "2024-01-01")]),
    entry("4b92a377-fc5f-6107-c4c8-5c190adbfd99", "W3C test authenticator (TPM), revoked",
          [("FIDO_CERTIFIED", "2023-01-01"), ("REVOKED", "2024-06-01")], types=("attca",)),
    # Reports out of date order: the latest (by effectiveDate) is the compromise.
    entry("afb3c2ef-c054-df42-5013-d5c88e79c3c1", "W3C test authenticator (fido-u2f), UV bypass",
          [("USER_VERIFICATION_BYPASS", "2024-01-01"), ("FIDO_CERTIFIED", "2023-01-01")]),
    # A revocation that is not effective yet.
    entry("748210a2-0076-616a-733b-2114336fc384", "W3C test authenticator (apple), revocation scheduled",
          [("FIDO_CERTIFIED", "2024-01-01"), ("REVOKED", "2100-01-01")], types=("anonca",)),
    # A compromise superseded by a later report.
    entry("e950dcda-3bda-e1d0-87cd-a380a897848b", "W3C test authenticator (packed ES384), updated",
          [("FIDO_CERTIFIED", "2022-01-01"), ("USER_KEY_REMOTE_COMPROMISE", "2023-01-01"),
           ("UPDATE_AVAILABLE", "2024-01-01")]),
    # A U2F authenticator, known by its attestation key identifier only.
    {
        "attestationCertificateKeyIdentifiers": [key_identifier(u2f_cert)],
        "metadataStatement": {
            "description": "Yubico U2F key, attestation key compromised",
            "attestationCertificateKeyIdentifiers": [key_identifier(u2f_cert)],
            "protocolFamily": "u2f",
            "schema": 3,
            "attestationTypes": ["basic_full"],
            "attestationRootCertificates": [YUBICO],
        },
        "statusReports": [{"status": "ATTESTATION_KEY_COMPROMISE", "effectiveDate": "2024-01-01"}],
        "timeOfLastStatusChange": "2024-01-01",
    },
]

PAYLOAD = {
    "legalHeader": "Test metadata made by relypass test-vectors/mds/gen_mds.py; not FIDO Alliance data.",
    "no": 42,
    "nextUpdate": "2026-07-01",
    "entries": ENTRIES,
}


def jwt(fname, payload):
    header = {"alg": "RS256", "typ": "JWT",
              "x5c": [base64.b64encode(der(signer)).decode(), base64.b64encode(der(inter)).decode()]}
    si = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(payload).encode())
    sig = signer_k.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256())
    with open(os.path.join(OUT, fname), "w") as f:
        f.write(si + "." + b64u(sig))


jwt("blob.jwt", PAYLOAD)
jwt("blob_bad_payload.jwt", {k: v for k, v in PAYLOAD.items() if k != "nextUpdate"})
jwt("blob_duplicate.jwt", dict(PAYLOAD, entries=ENTRIES + [ENTRIES[0]]))
print("ok")
