#!/bin/bash
# The broker's files form layers (broker/broker.h): each may call only the
# layers below it. Fails naming the file and the upward call.
set -euo pipefail
cd "$(dirname "$0")/../broker"
order=(proc dirs gate fdgate auth listen notify dnssd tls saved history budget supervise route client reload main)
rc=0
for ((i = 0; i < ${#order[@]}; i++)); do
	f=${order[$i]}.c
	for ((j = i + 1; j < ${#order[@]}; j++)); do
		up=${order[$j]}
		[ "$up" = main ] && continue
		# Definitions and prototypes of the file itself do not count.
		if calls=$(grep -nE "\b${up}_[a-z_]+\(" "$f" | grep -vE "^[0-9]+:${up}_"); then
			echo "broker/$f calls up into $up.c:"
			echo "$calls"
			rc=1
		fi
	done
done
[ "$rc" -eq 0 ] && echo "broker layers: every call goes downwards"
exit "$rc"
