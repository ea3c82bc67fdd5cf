# Driving a VM's serial console from the host: sourced by ci/smoke/freebsd.sh
# (a FreeBSD image) and by ci/smoke/run.sh (the Linux VM, logged in through
# getty), so the FreeBSD mode runs the code CI runs every time.
#
#   serial_start DIR            FIFOs DIR/serial.in/.out and the capture
#   (start QEMU with -serial pipe:DIR/serial -monitor none, in the background)
#   serial_attach               opens the console for writing (fd 3)
#   serial_wait REGEX SECONDS   until REGEX matches a console line
#   serial_login USER SECONDS   answers login: and waits for the shell prompt
#   serial_stage_file OUT GUEST VAR=VALUE...
#                               the script serial_run types: the settings,
#                               then GUEST (ci/smoke/guest.sh)
#   serial_run FILE SHUTDOWN    has the guest save FILE (a newline at its end),
#                               typed line by line and paced by its echo, then
#                               run it and SHUTDOWN
#   serial_tally NAME EXPECTED  counts SMOKE-OK/FAIL markers, prints a summary
#
# Why it is built this way (what broke against a real FreeBSD 12.1 guest and
# against busybox in the Linux VM):
#   - capture: the console is copied by cat(1), which writes what it reads
#     at once; a filter such as tr(1) into a file block-buffers, and the
#     partial last line holding "login:" never reached the log;
#   - pacing: at 9600 baud with echo, the guest's tty input queue drops
#     characters of a burst (about 900 of a 4.8 KB script); each line is
#     sent only once the previous one has been echoed back;
#   - shells: root's login shell may be csh (FreeBSD before 14) or any other,
#     so the one line typed at it is "exec /bin/sh -c '...'", valid in csh
#     and sh alike; that sh turns the tty's echo back on (a line-editing
#     shell such as busybox ash echoes by itself and may leave it off);
#   - saved, then run: that sh copies as many typed lines as the script has
#     into a file with head(1), which never reads past them (sed and a
#     shell read a line ahead before acting on the last one), reports its
#     size and runs the file with stdin from /dev/null. Fed to a shell
#     through a pipe as a here-document, busybox ash now and then never ran
#     the script at all (1 run in 4).
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
	serial_prompt 60
}

# serial_send FILE: every line of FILE, paced.
serial_send() {
	while IFS= read -r serial_l || [ -n "$serial_l" ]; do
		serial_line "$serial_l" || return 1
	done <"$1"
}

# serial_stage_file OUT GUEST VAR=VALUE...: the settings, one export a line,
# then GUEST.
serial_stage_file() {
	serial_out=$1 serial_guest=$2
	shift 2
	{
		for kv in "$@"; do
			printf "%s='%s'; export %s\n" "${kv%%=*}" "${kv#*=}" "${kv%%=*}"
		done
		cat "$serial_guest"
	} >"$serial_out"
}

# serial_run FILE SHUTDOWN: typed at the login shell's prompt. The guest
# prints KS-READY once its tty echoes, KS-SAVED and the byte count once it
# has saved as many lines as FILE has, and runs SHUTDOWN after the stages:
# nothing is typed (and echoed into the markers) while they run.
serial_run() {
	serial_lines=$(grep -c '' "$1")
	serial_line "exec /bin/sh -c 'stty echo icanon; printf \"%s-%s\\n\" KS READY; \
head -n $serial_lines >/tmp/ks-stages.sh; \
printf \"%s-%s %s\\n\" KS SAVED \$(wc -c </tmp/ks-stages.sh); \
sh /tmp/ks-stages.sh </dev/null; $2'" || return 1
	serial_wait '^KS-READY' 30 && serial_send "$1" && serial_wait '^KS-SAVED' 30 || return 1
	serial_got=$(serial_text | sed -n 's/^KS-SAVED \([0-9]*\).*/\1/p' | head -n 1)
	serial_sent=$(wc -c <"$1" | tr -d ' ')
	[ "$serial_got" = "$serial_sent" ] && return 0
	echo "smoke: serial: the guest saved $serial_got of the $serial_sent bytes typed" >&2
	return 1
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
