#!/usr/bin/env bash
# bench/peers.sh — set-up and multi-command steps for the peer tools medfw is compared with.
#   bench/peers.sh keys DIR                       throwaway CA, signer cert, mender and minisign keys
#   bench/peers.sh rauc_dir FORMAT IMAGE DIR      RAUC content dir (manifest + hard link to IMAGE)
#   bench/peers.sh swu_create IMAGE OUT.swu KEYS  SWUpdate .swu: sw-description (+sha256), CMS
#                                                 signature sw-description.sig, CPIO (newc)
# Single-command steps (rauc bundle/info, mender-artifact write/validate, swupdate -c,
# minisign -S/-V) are run directly by bench/run.sh so that their own process is measured.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

keys() {
	local d=$1
	mkdir -p "$d"
	cat >"$d/openssl.cnf" <<-'EOF'
		[req]
		distinguished_name = dn
		[dn]
		[v3_ca]
		basicConstraints = critical,CA:TRUE
		keyUsage = critical,keyCertSign,cRLSign
		subjectKeyIdentifier = hash
		[v3_signer]
		basicConstraints = critical,CA:FALSE
		keyUsage = critical,digitalSignature
		extendedKeyUsage = emailProtection,codeSigning
		subjectKeyIdentifier = hash
		authorityKeyIdentifier = keyid
	EOF
	# CA + signer for RAUC and SWUpdate (both use CMS signatures checked against a CA)
	openssl req -x509 -newkey rsa:3072 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 7 \
		-subj "/CN=medfw bench throwaway CA" -config "$d/openssl.cnf" -extensions v3_ca 2>/dev/null
	openssl req -new -newkey rsa:3072 -nodes -keyout "$d/signer.key" -out "$d/signer.csr" \
		-subj "/CN=medfw bench signer" -config "$d/openssl.cnf" 2>/dev/null
	openssl x509 -req -in "$d/signer.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-out "$d/signer.pem" -days 7 -extfile "$d/openssl.cnf" -extensions v3_signer 2>/dev/null
	# mender-artifact wants a SEC1 ("EC PRIVATE KEY") or PKCS#1 key, not PKCS#8
	openssl ecparam -genkey -name prime256v1 -noout -out "$d/mender.key"
	openssl ec -in "$d/mender.key" -pubout -out "$d/mender.pub" 2>/dev/null
	# minisign, passwordless (-W)
	minisign -G -W -f -p "$d/minisign.pub" -s "$d/minisign.key" >/dev/null
}

rauc_dir() {
	local format=$1 image=$2 dir=$3
	rm -rf "$dir"
	mkdir -p "$dir"
	ln "$image" "$dir/rootfs.img" 2>/dev/null || cp "$image" "$dir/rootfs.img"
	cat >"$dir/manifest.raucm" <<-EOF
		[update]
		compatible=medfw-bench
		version=1.0.0

		[bundle]
		format=$format

		[image.rootfs]
		filename=rootfs.img
	EOF
}

swu_create() {
	local image=$1 out=$2 keys=$3
	local dir=$out.d hash
	rm -rf "$dir"
	mkdir -p "$dir"
	hash=$(sha256sum "$image" | cut -d' ' -f1)
	cat >"$dir/sw-description" <<-EOF
		software =
		{
			version = "1.0.0";
			description = "medfw bench";
			hardware-compatibility = [ "1.0" ];
			images: (
				{
					filename = "rootfs.img";
					device = "/dev/null";
					type = "raw";
					installed-directly = true;
					sha256 = "$hash";
				}
			);
		}
	EOF
	openssl cms -sign -in "$dir/sw-description" -out "$dir/sw-description.sig" \
		-signer "$keys/signer.pem" -inkey "$keys/signer.key" -outform DER -nosmimecap -binary
	ln -s "$(realpath "$image")" "$dir/rootfs.img"
	/usr/bin/python3 "$here/mkcpio.py" "$out" "$dir/sw-description" "$dir/sw-description.sig" \
		"$dir/rootfs.img"
	rm -rf "$dir"
}

cmd=${1:?usage: peers.sh keys|rauc_dir|swu_create ARGS...}
shift
case $cmd in
keys | rauc_dir | swu_create) "$cmd" "$@" ;;
*) echo "peers.sh: unknown step $cmd" >&2; exit 2 ;;
esac
