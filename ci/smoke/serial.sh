# Driving a VM's serial console from the host: sourced by ci/smoke/freebsd.sh
# (a FreeBSD image) and by ci/smoke/run.sh (the Linux VM, logged in through
# getty), so the FreeBSD mode runs the code CI runs every time.
#
#   serial_start DIR            FIFOs DIR/serial.in/.out and the capture
#   (start QEMU with -serial pipe:DIR/serial -monitor none, in the background)
#   serial_attach               opens the console for writing (fd 3)
#   serial_wait REGEX SECONDS   until REGEX matches a console line
#   serial_login USER SECONDS   answers login:, then turns whatever login
#                               shell USER has into a plain sh reading lines
#   serial_send FILE            types FILE, paced by its echo
#   serial_tally NAME EXPECTED  counts SMOKE-OK/FAIL markers, prints a summary
#
# Why it is built this way (what broke against a real FreeBSD 12.1 guest):
#   - capture: the console is copied by cat(1), which writes what it reads
#     at once; a filter such as tr(1) into a file block-buffers, and the
#     partial last line holding "login:" never reached the log;
#   - pacing: at 9600 baud with echo, the guest's tty input queue drops
#     characters of a burst (about 900 of a 4.8 KB script); each line is
#     sent only once the previous one has been echoed back;
#   - shells: root's login shell may be csh (FreeBSD before 14) or any other,
#     so the one line typed at it is
#     "exec /bin/sh -c 'stty echo icanon; printf ...; cat | /bin/sh'", valid in csh and
#     sh alike; after it a non-interactive sh reads the lines cat takes from
#     the tty, with no prompts or line editing (a tab is not a completion
#     request), and the tty echoes them (a line-editing shell such as
#     busybox ash echoes by itself and may leave the tty's echo off).
# Markers are assembled by printf in the guest, so the echo of a typed line
# can never contain one.

# serial_start DIR
serial_start() {
	serial_dir=$1
	mkfifo "$serial_dir/serial.in" "$serial_dir/serial.out"
	serial_raw=$serial_dir/console.raw
	: >"$serial_raw"
	cat "$serial_dir/serial.out" >"$serial_raw" &
	serial_cat=$!
}

# serial_attach: the console's input as fd 3. Opened read-write, which never
# blocks on a FIFO, so a QEMU that failed to start cannot hang the harness.
serial_attach() {
	exec 3<>"$serial_dir/serial.in"
}

# serial_text: the console so far, carriage returns removed.
serial_text() {
	tr -d '\r' <"$serial_raw"
}

# serial_wait REGEX SECONDS (tenths of a second between looks)
serial_wait() {
	n=0
	until serial_text | grep -q -- "$1"; do
		n=$((n + 1))
		if [ "$n" -gt $(($2 * 10)) ]; then
			echo "smoke: serial: no '$1' on the console within $2 s" >&2
			return 1
		fi
		sleep 0.1
	done
}

# serial_prompt SECONDS: until the console's last, unfinished line ends in a
# shell prompt character (csh %, #; sh $, #; >), terminal escapes left out
# (busybox ash asks for the cursor position, ESC [6n, after its prompt).
serial_prompt() {
	n=0
	until [ -s "$serial_raw" ] && [ "$(tail -c 1 "$serial_raw" | od -An -c | tr -d ' ')" != '\n' ] &&
	    tail -n 1 "$serial_raw" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' |
	    grep -q '[#$%>] *$'; do
		n=$((n + 1))
		if [ "$n" -gt $(($1 * 10)) ]; then
			echo "smoke: serial: no shell prompt within $1 s" >&2
			return 1
		fi
		sleep 0.1
	done
}

# serial_line TEXT: types one line, then waits (10 s at most) until the
# guest has echoed at least as many bytes back.
serial_line() {
	serial_want=$(($(wc -c <"$serial_raw") + ${#1}))
	printf '%s\n' "$1" >&3
	n=0
	while [ "$(wc -c <"$serial_raw")" -lt "$serial_want" ]; do
		n=$((n + 1))
		if [ "$n" -gt 1000 ]; then
			printf "smoke: serial: the guest did not echo %s within 10 s\n" "$1" >&2
			return 1
		fi
		sleep 0.01
	done
}

# serial_login USER SECONDS
serial_login() {
	serial_wait 'login: *$' "$2" || serial_wait 'login:' 1 || return 1
	printf '%s\n' "$1" >&3
	serial_prompt 60 || return 1
	# Typed ahead of the tty's echo being on: it prints KS-READY once it is.
	serial_line "exec /bin/sh -c 'stty echo icanon; printf \"%s-%s\\n\" KS READY; cat | /bin/sh'" ||
	    return 1
	serial_wait '^KS-READY' 30
}

# serial_send FILE: every line of FILE, paced.
serial_send() {
	while IFS= read -r serial_l || [ -n "$serial_l" ]; do
		serial_line "$serial_l" || return 1
	done <"$1"
}

# serial_stage_file OUT KERNEL SHUTDOWN GUEST VAR=VALUE...: what serial_send
# types: the settings, one export a line, GUEST (ci/smoke/guest.sh) as the
# here-document of "KEXT_KERNEL=KERNEL sh -s; SHUTDOWN".
serial_stage_file() {
	serial_out=$1 serial_kernel=$2 serial_shutdown=$3 serial_guest=$4
	shift 4
	{
		for kv in "$@"; do
			printf "%s='%s'; export %s\n" "${kv%%=*}" "${kv#*=}" "${kv%%=*}"
		done
		# SHUTDOWN on the same line: nothing is typed (and echoed into the
		# markers) while the stages run.
		printf "KEXT_KERNEL=%s sh -s <<'KS_EOF'; %s\n" "$serial_kernel" "$serial_shutdown"
		cat "$serial_guest"
		# busybox ash reading from a pipe runs a command that ends in a
		# here-document only once it has read the line after it.
		printf 'KS_EOF\n:\n'
	} >"$serial_out"
}

# serial_tally NAME EXPECTED: prints the markers and "smoke: NAME: N passed,
# N failed"; fails unless EXPECTED stages passed (0: at least one) and the
# guest finished.
serial_tally() {
	serial_ok=$(serial_text | grep -c '^SMOKE-OK ' || true)
	serial_bad=$(serial_text | grep -c '^SMOKE-FAIL ' || true)
	serial_text | grep -E '^SMOKE-|^    \| ' || true
	if ! serial_text | grep -q '^SMOKE-DONE'; then
		echo "smoke: $1: the guest never finished its stages; console:" >&2
		serial_text | tail -n 20 >&2
		serial_bad=$((serial_bad + 1))
	elif [ "$2" -gt 0 ] && [ "$serial_ok" -ne "$2" ]; then
		echo "smoke: $1: $serial_ok stages passed, $2 expected" >&2
		serial_bad=$((serial_bad + 1))
	fi
	echo "smoke: $1: $serial_ok passed, $serial_bad failed"
	[ "$serial_bad" -eq 0 ] && [ "$serial_ok" -gt 0 ]
}

# serial_stop: closes the console and ends the capture.
serial_stop() {
	exec 3>&-
	kill "$serial_cat" 2>/dev/null || true
}
