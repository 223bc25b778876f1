#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# amt-sim's WS-Management service from a real HTTP client (curl --digest):
# AMT's 401 shape, the 401 -> 200 digest round trip, 404/405, SOAP faults,
# Enumerate/Pull, 3PDS store and read, the data surviving a simulator
# restart, HTTPS with a self-signed certificate, AMT 12 without 3PDS, and
# the local system account refused on a listener that is not loopback.
# Ports: --listen ADDR:0 and the ports come from the simulator's log.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip wsman "needs root and /dev/fuse for the simulated device"; exit 0; fi
for tool in curl openssl; do
	command -v "$tool" >/dev/null || { skip wsman "needs $tool"; exit 0; }
done

AMT=http://intel.com/wbem/wscim/1/amt-schema/1
CIM=http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2
WSEN=http://schemas.xmlsoap.org/ws/2004/09/enumeration
GET=http://schemas.xmlsoap.org/ws/2004/09/transfer/Get
PDS=$AMT/AMT_ThirdPartyDataStorageService
PDSA=$AMT/AMT_ThirdPartyDataStorageAdministrationService
CRED="admin:Sim-Adm1n!"

# port_of NAME HTTP|HTTPS: the port from the simulator's log
port_of() { grep -oE "WS-Man $2 on [^ ]+:[0-9]+" "$T/$1.log" | grep -oE '[0-9]+$' | head -1; }

# soap URL ACTION RESOURCE [BODY] [SELECTORS]: sets CODE and OUT (CRED, CURL_EXTRA apply)
soap() {
	cat > "$T/req.xml" <<XML
<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:n="$WSEN"><s:Header><a:Action>$2</a:Action><a:To>/wsman</a:To><w:ResourceURI>$3</w:ResourceURI><a:MessageID>uuid:it-$RANDOM</a:MessageID><a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>${5:-}</s:Header><s:Body>${4:-}</s:Body></s:Envelope>
XML
	# shellcheck disable=SC2086
	CODE=$(curl -s -o "$T/out" -w '%{http_code}' --max-time 10 --digest -u "$CRED" ${CURL_EXTRA:-} \
		-H 'Content-Type: application/soap+xml;charset=UTF-8' --data-binary @"$T/req.xml" "$1")
	OUT=$(cat "$T/out")
}

# invoke URL CLASS_URI METHOD [NAME VALUE]...: sets CODE, OUT and RV (ReturnValue)
invoke() {
	local url=$1 uri=$2 method=$3 body="" ; shift 3
	while [ $# -ge 2 ]; do body+="<h:$1>$2</h:$1>"; shift 2; done
	soap "$url" "$uri/$method" "$uri" "<h:${method}_INPUT xmlns:h=\"$uri\">$body</h:${method}_INPUT>"
	RV=$(field ReturnValue)
}

# field NAME: text of the first element NAME (any prefix) in OUT
field() { grep -oE "<([A-Za-z0-9]+:)?$1>[^<]*</" <<<"$OUT" | head -1 | sed -E 's/^<[^>]*>//; s/<\/$//'; }

expect_eq() { # NAME GOT WANT
	if [ "$2" == "$3" ]; then ok "$1"; else fail "$1" "got '$2', expected '$3'"; fi
}

# ---- HTTP and digest ---------------------------------------------------
SIM_ARGS="--listen 127.0.0.1:0" start_sim w <<'INI' || exit 1
[amt]
version = 11.8.50
build = 3425
admin_password = Sim-Adm1n!
[platform]
uuid = 4C4C4544-0042-3010-8052-B4C04F564D32
[network]
dns_suffix = corp.example.com
INI
P=$(port_of w HTTP)
[ -n "$P" ] && ok "WS-Man port in the log" || { fail "WS-Man port in the log" "$(cat "$T/w.log")"; exit 1; }
URL="http://127.0.0.1:$P/wsman"

H=$(curl -s -i --max-time 10 -H 'Content-Type: application/soap+xml' --data 'x' "$URL" | tr -d '\r')
expect_grep "401 without credentials" '^HTTP/1.1 401 ' "$H"
expect_grep "401 challenge is AMT's shape" \
	'^WWW-Authenticate: Digest realm="Digest:[0-9A-F]{32}", nonce="[0-9a-f]{32}",stale="false",qop="auth"$' "$H"
expect_grep "401 realm is the UUID bytes" 'realm="Digest:44454C4C420010308052B4C04F564D32"' "$H"
expect_grep "401 is text/html" '^Content-Type: text/html$' "$H"
expect_grep "401 Server header" '^Server: Intel\(R\) Active Management Technology 11\.8\.50\.3425$' "$H"
expect_grep "401 closes" '^Connection: close$' "$H"

soap "$URL" $GET "$AMT/AMT_GeneralSettings"
expect_eq "digest 401 -> 200 with curl" "$CODE" 200
expect_eq "GeneralSettings DomainName" "$(field DomainName)" corp.example.com
expect_eq "GeneralSettings DigestRealm" "$(field DigestRealm)" "Digest:44454C4C420010308052B4C04F564D32"

CRED="admin:wrong" soap "$URL" $GET "$AMT/AMT_GeneralSettings"
expect_eq "wrong password -> 401" "$CODE" 401

CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --digest -u "$CRED" --data x "http://127.0.0.1:$P/index.htm")
expect_eq "other path -> 404" "$CODE" 404
CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$URL")
expect_eq "GET -> 405" "$CODE" 405

soap "$URL" $GET "$AMT/AMT_NoSuchClass"
expect_eq "unknown class -> 400" "$CODE" 400
expect_grep "unknown class fault" 'DestinationUnreachable' "$OUT"

soap "$URL" $GET "$CIM/CIM_ComputerSystemPackage"
expect_eq "PlatformGUID" "$(field PlatformGUID)" 44454C4C420010308052B4C04F564D32

# Enumerate + Pull, 3 at a time, until EndOfSequence
soap "$URL" $WSEN/Enumerate "$CIM/CIM_SoftwareIdentity" '<n:Enumerate/>'
CTX=$(field EnumerationContext)
items=0; pulls=0; names=""
while [ -n "$CTX" ] && [ $pulls -lt 10 ]; do
	soap "$URL" $WSEN/Pull "$CIM/CIM_SoftwareIdentity" \
		"<n:Pull><n:EnumerationContext>$CTX</n:EnumerationContext><n:MaxElements>3</n:MaxElements></n:Pull>"
	pulls=$((pulls + 1))
	items=$((items + $(grep -oE '<([A-Za-z0-9]+:)?CIM_SoftwareIdentity>' <<<"$OUT" | wc -l)))
	names+=$(grep -oE '<([A-Za-z0-9]+:)?InstanceID>[^<]*' <<<"$OUT" | sed 's/.*>//' | tr '\n' ,)
	grep -q 'EndOfSequence' <<<"$OUT" && break
	CTX=$(field EnumerationContext)
done
expect_eq "SoftwareIdentity items" "$items" 10
expect_eq "SoftwareIdentity pulls (MaxElements 3)" "$pulls" 4
expect_grep "SoftwareIdentity names" '^Flash,Netstack,AMTApps,AMT,Sku,' "$names"

# ---- 3PDS ----------------------------------------------------------------
invoke "$URL" $PDSA AddStorageEaclEntry EnterpriseName Acme
expect_eq "AddStorageEaclEntry" "$RV" 0
invoke "$URL" $PDS RegisterApplication CallerUUID 44454C4C420010308052B4C04F564D32 \
	VendorName Vendor ApplicationName it EnterpriseName Acme
expect_eq "RegisterApplication" "$RV" 0
SH=$(field SessionHandle)
invoke "$URL" $PDS GetMTU
MTU=$(field Mtu)
expect_eq "GetMTU" "$MTU" 1024
invoke "$URL" $PDS AllocateBlock SessionHandle "$SH" BytesRequested 2048 BlockHidden true BlockName hostid
expect_eq "AllocateBlock" "$RV" 0
BH=$(field BlockHandle)
DATA=$(head -c 1024 /dev/urandom | base64 -w0)
invoke "$URL" $PDS WriteBlock SessionHandle "$SH" BlockHandle "$BH" ByteOffset 1024 Data "$DATA"
expect_eq "WriteBlock" "$RV/$(field BytesWritten)" 0/1024
invoke "$URL" $PDS WriteBlock SessionHandle "$SH" BlockHandle "$BH" ByteOffset 2040 Data "$(printf 0123456789ABCDEF | base64)"
expect_eq "WriteBlock past the end is partial" "$RV/$(field BytesWritten)" 15/8
invoke "$URL" $PDS ReadBlock SessionHandle "$SH" BlockHandle "$BH" ByteOffset 1024 ByteCount 1024
expect_eq "ReadBlock what was written" "$RV" 0
READ1=$(field Data)
[ "$(base64 -d <<<"$READ1" | head -c 1016 | base64 -w0)" == "$(base64 -d <<<"$DATA" | head -c 1016 | base64 -w0)" ] &&
	ok "ReadBlock returns the data" || fail "ReadBlock returns the data" "differs"
invoke "$URL" $PDS UnregisterApplication SessionHandle "$SH"
expect_eq "UnregisterApplication" "$RV" 0
grep -q '^\[storage.block.'"$BH"'\]' "$T/w.ini" && ok "block saved in the state file" ||
	fail "block saved in the state file" "$(grep -A3 storage "$T/w.ini")"
stop_sim w

# ---- restart: NVM survives -----------------------------------------------
cp "$T/w.ini" "$T/w2.in"
SIM_ARGS="--listen 127.0.0.1:0" start_sim w2 < "$T/w2.in" || exit 1
URL="http://127.0.0.1:$(port_of w2 HTTP)/wsman"
invoke "$URL" $PDS RegisterApplication CallerUUID 44454C4C420010308052B4C04F564D32 \
	VendorName Vendor ApplicationName it EnterpriseName Acme
SH=$(field SessionHandle)
invoke "$URL" $PDS ReadBlock SessionHandle "$SH" BlockHandle "$BH" ByteOffset 1024 ByteCount 1024
expect_eq "ReadBlock after a restart" "$RV" 0
expect_eq "data survives a restart" "$(field Data)" "$READ1"
stop_sim w2

# ---- HTTPS, AMT 12, local account --------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
	-subj /CN=amt-sim -addext subjectAltName=IP:127.0.0.1 2>/dev/null
SIM_ARGS="--listen 127.0.0.1:0" start_sim tls <<INI || exit 1
[amt]
version = 12.0.45
admin_password = Sim-Adm1n!
tls_cert = $T/cert.pem
tls_key = $T/key.pem
INI
PS=$(port_of tls HTTPS)
[ -n "$PS" ] && ok "HTTPS port in the log" || fail "HTTPS port in the log" "$(cat "$T/tls.log")"
CURL_EXTRA="--cacert $T/cert.pem" soap "https://127.0.0.1:$PS/wsman" $GET "$AMT/AMT_GeneralSettings"
expect_eq "HTTPS + digest -> 200" "$CODE" 200
soap "http://127.0.0.1:$(port_of tls HTTP)/wsman" $GET "$PDS"
expect_eq "AMT 12: no 3PDS (400)" "$CODE" 400
expect_grep "AMT 12: DestinationUnreachable" 'DestinationUnreachable' "$OUT"
stop_sim tls

# AMT 7-11 firmware: TLS 1.0 only; a default client refuses it, an explicit one gets through
SIM_ARGS="--listen 127.0.0.1:0" start_sim tls10 <<INI || exit 1
[amt]
admin_password = Sim-Adm1n!
tls_cert = $T/cert.pem
tls_key = $T/key.pem
[sim]
tls_legacy = true
INI
PS=$(port_of tls10 HTTPS)
CURL_EXTRA="--cacert $T/cert.pem" soap "https://127.0.0.1:$PS/wsman" $GET "$AMT/AMT_GeneralSettings"
expect_eq "TLS 1.0 firmware: a default client fails the handshake" "$CODE" 000
CURL_EXTRA="--cacert $T/cert.pem --tlsv1.0 --tls-max 1.0 --ciphers DEFAULT:@SECLEVEL=0" \
	soap "https://127.0.0.1:$PS/wsman" $GET "$AMT/AMT_GeneralSettings"
expect_eq "TLS 1.0 firmware: a client allowing TLS 1.0 gets 200" "$CODE" 200
stop_sim tls10

for listen in 127.0.0.1 0.0.0.0; do
	SIM_ARGS="--listen $listen:0" start_sim "la$listen" <<'INI' || exit 1
[local_account]
username = $$OsAdmin
password = Local-Secret-1
INI
	CRED='$$OsAdmin:Local-Secret-1' soap "http://127.0.0.1:$(port_of "la$listen" HTTP)/wsman" $GET "$AMT/AMT_GeneralSettings"
	if [ "$listen" == 127.0.0.1 ]; then
		expect_eq "local account on a loopback listener (as through LMS)" "$CODE" 200
	else
		expect_eq "local account refused from the network" "$CODE" 401
	fi
	stop_sim "la$listen"
done
