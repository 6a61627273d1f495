#!/usr/bin/env bash
# Turns on TLS in the local test PostgreSQL with a self-signed test CA, for the test
# `pg_tls` (PostgreSQL over TLS, as managed services require). Run as root on the machine
# that runs PostgreSQL. Idempotent: the certificates are made once (again when they are
# missing or about to expire); the settings are applied and reloaded every time.
#
#   DIR/ca.crt         the CA that signed the server's certificate (sslrootcert=DIR/ca.crt)
#   DIR/server.crt/key the server's certificate for localhost and 127.0.0.1
#   DIR/other-ca.crt   a CA that signed nothing: connecting with it must fail
set -euo pipefail
DIR="${KASSA_TEST_PG_TLS_DIR:-/var/lib/postgresql/kassa-test-tls}"
URL="${KASSA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

mkdir -p "$DIR"
cd "$DIR"
fresh() { [ -s "$1" ] && openssl x509 -checkend 604800 -noout -in "$1" >/dev/null 2>&1; }
if ! fresh ca.crt || ! fresh server.crt || ! fresh other-ca.crt || [ ! -s server.key ] \
  || ! openssl verify -CAfile ca.crt server.crt >/dev/null 2>&1; then
  rm -f ca.* server.* other-ca.*
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Kassa test CA" \
    -keyout ca.key -out ca.crt 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout server.key -out server.csr 2>/dev/null
  printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' 'basicConstraints=CA:FALSE' \
    'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' > server.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
    -extfile server.ext -out server.crt 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Kassa test other CA" \
    -keyout other-ca.key -out other-ca.crt 2>/dev/null
  rm -f server.csr server.ext ca.srl
fi
# PostgreSQL reads the key only when its owner alone can read it.
chown -R postgres:postgres "$DIR"
chmod 755 "$DIR"
chmod 600 ./*.key
chmod 644 ./*.crt

psql "$URL" -q -v ON_ERROR_STOP=1 \
  -c "ALTER SYSTEM SET ssl_cert_file = '$DIR/server.crt'" \
  -c "ALTER SYSTEM SET ssl_key_file = '$DIR/server.key'" \
  -c "ALTER SYSTEM SET ssl = on" \
  -c "SELECT pg_reload_conf()" >/dev/null
# The reload is asynchronous: wait until a TLS connection presents the new certificate.
for _ in $(seq 1 30); do
  if psql "$URL?sslmode=verify-full&sslrootcert=$DIR/ca.crt" -Atqc "SELECT 1" >/dev/null 2>&1; then
    echo "PostgreSQL serves TLS with the test CA in $DIR"
    exit 0
  fi
  sleep 0.5
done
echo "PostgreSQL did not take the test certificate (see its log)" >&2
exit 1
