#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The first-contact WS-Man classes of amt-sim from real clients over HTTP:
# Identify without credentials (and with [sim] identify_auth), ACL users
# admitted by interface, asset inventory read with curl --digest, and CIRA
# configured over WS-Man the way a provisioning service does it
# (AddMpServer, AddRemoteAccessPolicyRule, RequestStateChange) carrying the
# real amt-agent's call-for-help to amt-verify's MPS.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip wsman-classes "needs root and /dev/fuse"; exit 0; fi
for tool in curl openssl jq; do
	command -v "$tool" >/dev/null || { skip wsman-classes "needs $tool"; exit 0; }
done

AMT=http://intel.com/wbem/wscim/1/amt-schema/1
CIM=http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2
WSEN=http://schemas.xmlsoap.org/ws/2004/09/enumeration
GET=http://schemas.xmlsoap.org/ws/2004/09/transfer/Get
WSA=http://schemas.xmlsoap.org/ws/2004/08/addressing
CRED="admin:Sim-Adm1n!"

port_of() { grep -oE "WS-Man HTTP on [^ ]+:[0-9]+" "$T/$1.log" | grep -oE '[0-9]+$' | head -1; }
field() { grep -oE "<([A-Za-z0-9]+:)?$1>[^<]*</" <<<"$OUT" | head -1 | sed -E 's/^<[^>]*>//; s/<\/$//'; }
expect_eq() { if [ "$2" == "$3" ]; then ok "$1"; else fail "$1" "got '$2', expected '$3'"; fi; }

# soap URL ACTION RESOURCE [BODY]: sets CODE and OUT (CRED applies)
soap() {
	cat > "$T/req.xml" <<XML
<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="$WSA" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:n="$WSEN"><s:Header><a:Action>$2</a:Action><a:To>/wsman</a:To><w:ResourceURI>$3</w:ResourceURI><a:MessageID>uuid:it-$RANDOM</a:MessageID><a:ReplyTo><a:Address>$WSA/role/anonymous</a:Address></a:ReplyTo></s:Header><s:Body>${4:-}</s:Body></s:Envelope>
XML
	CODE=$(curl -s -o "$T/out" -w '%{http_code}' --max-time 10 --digest -u "$CRED" \
		-H 'Content-Type: application/soap+xml;charset=UTF-8' --data-binary @"$T/req.xml" "$1")
	OUT=$(cat "$T/out")
}
# enum_pull URL RESOURCE: every instance in OUT
enum_pull() {
	soap "$1" "$WSEN/Enumerate" "$2" "<n:Enumerate/>"
	local ctx; ctx=$(field EnumerationContext)
	soap "$1" "$WSEN/Pull" "$2" "<n:Pull><n:EnumerationContext>$ctx</n:EnumerationContext><n:MaxElements>50</n:MaxElements></n:Pull>"
}
identify() { # URL [CREDENTIALS]: sets CODE and OUT
	printf '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:i="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"><s:Header/><s:Body><i:Identify/></s:Body></s:Envelope>' > "$T/id.xml"
	CODE=$(curl -s -o "$T/out" -w '%{http_code}' --max-time 10 ${2:+--digest -u "$2"} \
		-H 'Content-Type: application/soap+xml;charset=UTF-8' --data-binary @"$T/id.xml" "$1")
	OUT=$(cat "$T/out")
}

# ---- Identify, ACL users: a listener that is not loopback --------------------
SIM_ARGS="--listen 0.0.0.0:0" start_sim net <<'INI' || exit 1
[amt]
version = 15.0.42
admin_password = Sim-Adm1n!
[provisioning]
state = post
control_mode = acm
[user.1]
name = helpdesk
password = Help-Desk-1
access = any
realms = 2,3,13
[user.2]
name = hostonly
password = Host-Only-1
access = local
realms = 3
INI
URL="http://127.0.0.1:$(port_of net)/wsman"
identify "$URL"
expect_eq "Identify without credentials -> 200 (DSP0226 11)" "$CODE" 200
expect_eq "Identify: AMT x.y" "$(field ProductVersion)" "AMT 15.0"
expect_eq "Identify: vendor" "$(field ProductVendor)" "Intel Corporation"
soap "$URL" $GET "$AMT/AMT_GeneralSettings"
expect_eq "a Get still needs credentials" "$CODE" 200
CRED="helpdesk:Help-Desk-1" soap "$URL" $GET "$CIM/CIM_Chassis"
expect_eq "ACL user (any interface) from the network -> 200" "$CODE" 200
CRED="helpdesk:wrong" soap "$URL" $GET "$CIM/CIM_Chassis"
expect_eq "ACL user, wrong password -> 401" "$CODE" 401
CRED="hostonly:Host-Only-1" soap "$URL" $GET "$CIM/CIM_Chassis"
expect_eq "ACL user (local only) from the network -> 401" "$CODE" 401
CRED="admin:Sim-Adm1n!"
invoke_body='<h:EnumerateUserAclEntries_INPUT xmlns:h="'$AMT'/AMT_AuthorizationService"><h:StartIndex>1</h:StartIndex></h:EnumerateUserAclEntries_INPUT>'
soap "$URL" "$AMT/AMT_AuthorizationService/EnumerateUserAclEntries" "$AMT/AMT_AuthorizationService" "$invoke_body"
expect_eq "the console lists the ACL (2 users)" "$(field TotalCount)" 2
stop_sim net

SIM_ARGS="--listen 127.0.0.1:0" start_sim auth <<'INI' || exit 1
[amt]
admin_password = Sim-Adm1n!
[user.1]
name = hostonly
password = Host-Only-1
access = local
[sim]
identify_auth = true
INI
URL="http://127.0.0.1:$(port_of auth)/wsman"
identify "$URL"
expect_eq "[sim] identify_auth: Identify without credentials -> 401" "$CODE" 401
identify "$URL" "$CRED"
expect_eq "[sim] identify_auth: with credentials -> 200" "$CODE" 200
CRED="hostonly:Host-Only-1" soap "$URL" $GET "$AMT/AMT_GeneralSettings"
expect_eq "ACL user (local only) on a loopback listener -> 200" "$CODE" 200
stop_sim auth

# ---- inventory the help desk reads ------------------------------------------
SIM_ARGS="--listen 127.0.0.1:0" start_sim inv <<'INI' || exit 1
[amt]
admin_password = Sim-Adm1n!
[platform]
bios = TEST.BIOS.0777
[hardware]
chassis_manufacturer = Example Corp
chassis_serial = CH-42
[hardware.memory.0]
tag = D0
capacity_mb = 8192
[hardware.memory.1]
tag = D1
capacity_mb = 4096
INI
URL="http://127.0.0.1:$(port_of inv)/wsman"
soap "$URL" $GET "$CIM/CIM_Chassis"
expect_eq "CIM_Chassis serial from [hardware]" "$(field SerialNumber)" CH-42
soap "$URL" $GET "$CIM/CIM_BIOSElement"
expect_eq "CIM_BIOSElement version is [platform] bios" "$(field Version)" TEST.BIOS.0777
enum_pull "$URL" "$CIM/CIM_PhysicalMemory"
expect_eq "CIM_PhysicalMemory: one item per module" "$(grep -o '<h:CIM_PhysicalMemory>' <<<"$OUT" | grep -c .)" 2
expect_grep "8 GiB module in bytes" '<h:Capacity>8589934592</h:Capacity>' "$OUT"
enum_pull "$URL" "$CIM/CIM_Processor"
expect_grep "CIM_Processor enumerates" '<h:DeviceID>CPU 0</h:DeviceID>' "$OUT"
stop_sim inv

# ---- CIRA configured over WS-Man, used by call-for-help ---------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=amt-test-ca" \
	-keyout "$T/ca.key" -out "$T/ca.pem" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$T/mps.key" \
	-out "$T/mps.csr" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san.ext"
openssl x509 -req -in "$T/mps.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	-days 2 -extfile "$T/san.ext" -out "$T/mps.pem" >/dev/null 2>&1
printf 'Wsman-Configured-7\n' > "$T/mps.pw"
chmod 600 "$T/mps.pw" "$T/mps.key"
"$VERIFY" listen --mps 127.0.0.1:0 --tls-cert "$T/mps.pem" --tls-key "$T/mps.key" \
	--mps-user rps-configured --mps-password-file "$T/mps.pw" --db "$T/events.db" --json \
	> "$T/listen.out" 2> "$T/listen.err" &
LISTEN=$!
trap 'kill -TERM $LISTEN 2>/dev/null; wait $LISTEN 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do grep -q 'ready' "$T/listen.err" && break; sleep 0.1; done
MPS_PORT=$(grep -oE 'mps \(TLS\) on 127\.0\.0\.1:[0-9]+' "$T/listen.err" | grep -oE '[0-9]+$')
[ -n "$MPS_PORT" ] && ok "MPS listener ready" || { fail "MPS listener ready" "$(cat "$T/listen.err")"; exit 1; }

U=11111111-2222-3333-4444-0000000000C1
SIM_ARGS="--listen 127.0.0.1:0" start_sim cira <<INI || exit 1
[amt]
admin_password = Sim-Adm1n!
[platform]
uuid = $U
[provisioning]
state = post
control_mode = acm
[cira]
ca = $T/ca.pem
os_interface = false
bios_interface = false
network = outside
[sim]
time_scale = 20
INI
URL="http://127.0.0.1:$(port_of cira)/wsman"
agent --device "$(dev cira)" call-for-help
expect_rc "before WS-Man configuration: not permitted -> 1" 1
RAS=$AMT/AMT_RemoteAccessService
soap "$URL" "$RAS/AddMpServer" "$RAS" "<h:AddMpServer_INPUT xmlns:h=\"$RAS\"><h:AccessInfo>127.0.0.1</h:AccessInfo><h:InfoFormat>3</h:InfoFormat><h:Port>$MPS_PORT</h:Port><h:AuthMethod>2</h:AuthMethod><h:Username>rps-configured</h:Username><h:Password>Wsman-Configured-7</h:Password><h:CN>127.0.0.1</h:CN></h:AddMpServer_INPUT>"
expect_eq "AddMpServer -> 0" "$(field ReturnValue)" 0
MPS_NAME=$(grep -oE 'Name">[^<]*Management Presence Server [0-9]+' <<<"$OUT" | sed 's/^Name">//')
soap "$URL" "$RAS/AddRemoteAccessPolicyRule" "$RAS" "<h:AddRemoteAccessPolicyRule_INPUT xmlns:h=\"$RAS\" xmlns:a=\"$WSA\" xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\"><h:Trigger>0</h:Trigger><h:TunnelLifeTime>0</h:TunnelLifeTime><h:MpServer><a:Address>$WSA/role/anonymous</a:Address><a:ReferenceParameters><w:ResourceURI>$AMT/AMT_ManagementPresenceRemoteSAP</w:ResourceURI><w:SelectorSet><w:Selector Name=\"Name\">$MPS_NAME</w:Selector></w:SelectorSet></a:ReferenceParameters></h:MpServer></h:AddRemoteAccessPolicyRule_INPUT>"
expect_eq "AddRemoteAccessPolicyRule (user initiated) -> 0" "$(field ReturnValue)" 0
UIC=$AMT/AMT_UserInitiatedConnectionService
soap "$URL" "$UIC/RequestStateChange" "$UIC" "<h:RequestStateChange_INPUT xmlns:h=\"$UIC\"><h:RequestedState>32771</h:RequestedState></h:RequestStateChange_INPUT>"
expect_eq "RequestStateChange 32771 (BIOS and OS) -> 0" "$(field ReturnValue)" 0
agent --device "$(dev cira)" call-for-help --wait 15 --json
expect_rc "call-for-help through the WS-Man-configured MPS -> connected" 0
for _ in $(seq 1 150); do
	open=$("$VERIFY" events --db "$T/events.db" --json 2>/dev/null | jq -c "select(.type==\"cira_open\" and .uuid==\"$U\")" | head -1)
	[ -n "$open" ] && break; sleep 0.1
done
expect_eq "the MPS saw the user WS-Man configured" "$(jq -r .user <<<"$open")" rps-configured
agent --device "$(dev cira)" info --json
expect_json "info: the MPS WS-Man configured" .cira.mps 127.0.0.1
agent --device "$(dev cira)" call-for-help --close
expect_rc "call-for-help --close -> 0" 0
grep -q '^\[cira.mps.0\]' "$T/cira.ini" && grep -q "^port = $MPS_PORT" "$T/cira.ini" &&
	ok "the MPS is saved in the state file" || fail "MPS saved" "$(cat "$T/cira.ini")"
stop_sim cira
