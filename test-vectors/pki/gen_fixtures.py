#!/usr/bin/env python3
"""Generates the synthetic certificates and JWS files used by tests/*.rs.

Run once with python3 + `cryptography`; the outputs are committed, tests do
not run this script. Validity periods are fixed so tests can use fixed times.
"""
import base64, datetime, json, os
from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, ed25519, padding

OUT = os.path.dirname(os.path.abspath(__file__))
NB = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
NA = datetime.datetime(2124, 1, 1, tzinfo=datetime.timezone.utc)
serial = [1000]

def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "relypass test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])

def cert(subject_cn, key, issuer_cn, issuer_key, *, ca=None, pathlen=None, ku=None,
         extra=(), hash_alg=hashes.SHA256(), pss=False, nb=NB, na=NA, bc_critical=True):
    serial[0] += 1
    b = (x509.CertificateBuilder()
         .subject_name(name(subject_cn))
         .issuer_name(name(issuer_cn))
         .public_key(key.public_key())
         .serial_number(serial[0])
         .not_valid_before(nb)
         .not_valid_after(na))
    if ca is not None:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen), critical=bc_critical)
    if ku == "ca":
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    elif ku == "sig":
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
    for ext, crit in extra:
        b = b.add_extension(ext, critical=crit)
    kw = {}
    if pss:
        kw["rsa_padding"] = padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=padding.PSS.DIGEST_LENGTH)
    if isinstance(issuer_key, ed25519.Ed25519PrivateKey):
        hash_alg = None
    return b.sign(issuer_key, hash_alg, **kw)

def save(fname, c):
    with open(os.path.join(OUT, fname), "wb") as f:
        f.write(c.public_bytes(serialization.Encoding.DER))

p256 = lambda: ec.generate_private_key(ec.SECP256R1())
p384 = lambda: ec.generate_private_key(ec.SECP384R1())

# --- EC chain: P-256 root -> P-384 intermediate (pathlen 0) -> P-256 leaf signed with SHA-256.
root_k = p256(); save("ec_root.der", cert("Test EC Root", root_k, "Test EC Root", root_k, ca=True, ku="ca"))
int_k = p384(); save("ec_int.der", cert("Test EC Int", int_k, "Test EC Root", root_k, ca=True, pathlen=0, ku="ca"))
leaf_k = p256()
save("ec_leaf.der", cert("Test EC Leaf", leaf_k, "Test EC Int", int_k, ca=False, ku="sig"))
save("ec_leaf_short.der", cert("Test EC Leaf Short", p256(), "Test EC Int", int_k, ca=False, ku="sig",
                               na=datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)))
save("ec_leaf_unknown_crit.der", cert("Test EC Leaf UC", p256(), "Test EC Int", int_k, ca=False, ku="sig",
        extra=[(x509.UnrecognizedExtension(ObjectIdentifier("1.2.3.4"), b"\x05\x00"), True)]))
save("ec_leaf_aaguid.der", cert("Test EC Leaf AAGUID", p256(), "Test EC Int", int_k, ca=False, ku="sig",
        extra=[(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4"), b"\x04\x10" + bytes(range(16))), False)]))
# Leaves directly under the root with other hashes.
save("ec_leaf_sha384.der", cert("Test EC Leaf 384", p256(), "Test EC Root", root_k, ca=False, hash_alg=hashes.SHA384()))
save("ec_leaf_sha512.der", cert("Test EC Leaf 512", p256(), "Test EC Root", root_k, ca=False, hash_alg=hashes.SHA512()))

# --- Negative intermediates, each with a leaf.
k = p256(); save("int_notca.der", cert("Int NotCA", k, "Test EC Root", root_k, ca=False, ku="ca"))
save("leaf_notca.der", cert("Leaf NotCA", p256(), "Int NotCA", k, ca=False))
k = p256(); save("int_nobc.der", cert("Int NoBC", k, "Test EC Root", root_k, ca=None, ku="ca"))
save("leaf_nobc.der", cert("Leaf NoBC", p256(), "Int NoBC", k, ca=False))
k = p256(); save("int_noku.der", cert("Int NoKU", k, "Test EC Root", root_k, ca=True, ku="sig"))
save("leaf_noku.der", cert("Leaf NoKU", p256(), "Int NoKU", k, ca=False))
k = p256(); save("int_nc.der", cert("Int NC", k, "Test EC Root", root_k, ca=True, ku="ca",
        extra=[(x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.com")], excluded_subtrees=None), True)]))
save("leaf_nc.der", cert("Leaf NC", p256(), "Int NC", k, ca=False))
# pathLen: root -> int_pl0 (pathlen 0) -> int_pl_child (CA) -> leaf
k0 = p256(); save("int_pl0.der", cert("Int PL0", k0, "Test EC Root", root_k, ca=True, pathlen=0, ku="ca"))
k1 = p256(); save("int_pl_child.der", cert("Int PL Child", k1, "Int PL0", k0, ca=True, ku="ca"))
save("leaf_pl.der", cert("Leaf PL", p256(), "Int PL Child", k1, ca=False))
# Root with pathlen 0 directly issuing a leaf is fine; with an intermediate below it is not.
plr = p256(); save("root_pl0.der", cert("Root PL0", plr, "Root PL0", plr, ca=True, pathlen=0, ku="ca"))
k2 = p256(); save("int_under_pl0_root.der", cert("Int Under PL0", k2, "Root PL0", plr, ca=True, ku="ca"))
save("leaf_under_pl0_root.der", cert("Leaf Under PL0", p256(), "Int Under PL0", k2, ca=False))
# Expired intermediate.
k3 = p256(); save("int_expired.der", cert("Int Expired", k3, "Test EC Root", root_k, ca=True, ku="ca",
        na=datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)))
save("leaf_under_expired.der", cert("Leaf Under Expired", p256(), "Int Expired", k3, ca=False))
# A different root with the same name as ec_root (wrong key).
fake = p256(); save("ec_root_impostor.der", cert("Test EC Root", fake, "Test EC Root", fake, ca=True, ku="ca"))

# --- RSA: root (sha256) and leaves with PKCS#1 v1.5 SHA-1/384/512 and PSS.
rroot = rsa.generate_private_key(65537, 2048)
save("rsa_root.der", cert("Test RSA Root", rroot, "Test RSA Root", rroot, ca=True, ku="ca"))
for label, h, pss in [("sha384", hashes.SHA384(), False),
                      ("sha512", hashes.SHA512(), False), ("pss256", hashes.SHA256(), True),
                      ("pss384", hashes.SHA384(), True), ("pss512", hashes.SHA512(), True)]:
    save(f"rsa_leaf_{label}.der", cert(f"Test RSA Leaf {label}", p256(), "Test RSA Root", rroot,
                                       ca=False, hash_alg=h, pss=pss))

# SHA-1: `cryptography` refuses to sign with SHA-1, so use the openssl CLI.
import subprocess, tempfile
with tempfile.TemporaryDirectory() as td:
    kp = os.path.join(td, "root.key"); cp = os.path.join(td, "root.pem")
    with open(kp, "wb") as f:
        f.write(rroot.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with open(cp, "wb") as f:
        f.write(x509.load_der_x509_certificate(open(os.path.join(OUT, "rsa_root.der"), "rb").read()).public_bytes(serialization.Encoding.PEM))
    lk = os.path.join(td, "leaf.key"); csr = os.path.join(td, "leaf.csr"); ext = os.path.join(td, "ext.cnf")
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", lk], check=True)
    subprocess.run(["openssl", "req", "-new", "-key", lk, "-subj", "/O=relypass test/CN=Test RSA Leaf sha1", "-out", csr], check=True)
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n")
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", cp, "-CAkey", kp, "-sha1", "-days", "36500",
                    "-set_serial", "4242", "-extfile", ext, "-outform", "DER", "-out", os.path.join(OUT, "rsa_leaf_sha1.der")], check=True)

# --- Ed25519 and P-521.
ed = ed25519.Ed25519PrivateKey.generate()
save("ed_root.der", cert("Test Ed Root", ed, "Test Ed Root", ed, ca=True, ku="ca"))
save("ed_leaf.der", cert("Test Ed Leaf", p256(), "Test Ed Root", ed, ca=False))
p521k = ec.generate_private_key(ec.SECP521R1())
save("p521_root.der", cert("Test P521 Root", p521k, "Test P521 Root", p521k, ca=True, ku="ca", hash_alg=hashes.SHA512()))
save("p521_leaf.der", cert("Test P521 Leaf", p256(), "Test P521 Root", p521k, ca=False, hash_alg=hashes.SHA512()))

# --- Hostname certificates.
def host_cert(fname, cn, sans):
    k = p256()
    extra = [(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), False)] if sans else []
    save(fname, cert(cn, k, "Host CA", root_k, ca=False, extra=extra))
host_cert("host_cn_only.der", "attest.android.com", None)
host_cert("host_san_other.der", "attest.android.com", ["other.example"])

# --- JWS fixtures.
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def jws(fname, alg, key, cert_obj, payload):
    header = {"alg": alg, "x5c": [base64.b64encode(cert_obj.public_bytes(serialization.Encoding.DER)).decode()]}
    si = (b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(payload).encode())).encode()
    if alg == "ES256":
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
        r, s = decode_dss_signature(key.sign(si, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif alg == "RS256":
        sig = key.sign(si, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "PS256":
        sig = key.sign(si, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    elif alg == "EdDSA":
        sig = key.sign(si)
    with open(os.path.join(OUT, fname), "w") as f:
        f.write(si.decode() + "." + b64u(sig))
payload = {"nonce": "dGVzdA==", "ctsProfileMatch": True, "timestampMs": 1700000000000}
k = p256(); c = cert("JWS ES256", k, "JWS ES256", k, ca=False); jws("jws_es256.txt", "ES256", k, c, payload)
k = rsa.generate_private_key(65537, 2048); c = cert("JWS RSA", k, "JWS RSA", k, ca=False)
jws("jws_rs256.txt", "RS256", k, c, payload); jws("jws_ps256.txt", "PS256", k, c, payload)
k = ed25519.Ed25519PrivateKey.generate(); c = cert("JWS Ed", k, "JWS Ed", k, ca=False); jws("jws_eddsa.txt", "EdDSA", k, c, payload)
print("ok")
