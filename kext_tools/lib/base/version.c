/*
 * Kext version strings (Apple's OSKextVersion grammar, 10.14+ encoding).
 * Written from the grammar in spec/apple-kext.md §3.1-3.2.
 */
#include <stdio.h>

#include "kext/version.h"

#define MAJOR_FACTOR	INT64_C(1000000000000)	/* 10^12 */
#define MINOR_FACTOR	INT64_C(100000000)	/* 10^8 */
#define REVISION_FACTOR	INT64_C(10000)
#define STAGE_FACTOR	INT64_C(1000)

#define PART_DIGITS	4	/* major, minor and revision */
#define LEVEL_DIGITS	3
#define LEVEL_MAX	255

enum stage {
	STAGE_DEVELOPMENT = 1,
	STAGE_ALPHA = 3,
	STAGE_BETA = 5,
	STAGE_CANDIDATE = 7,
	STAGE_RELEASE = 9,
};

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The end of a version: end of string or whitespace; text after it is ignored. */
static int
is_terminator(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_stage_letter(char c)
{
	return c == 'd' || c == 'a' || c == 'b' || c == 'f';
}

/* Reads "stage level" at *p; returns the stage or -1. */
static int
parse_stage(const char *p, int64_t *level_out)
{
	int stage, digits = 0;
	int64_t level = 0;

	switch (*p) {
	case 'd': stage = STAGE_DEVELOPMENT; break;
	case 'a': stage = STAGE_ALPHA; break;
	case 'b': stage = STAGE_BETA; break;
	case 'f':
		stage = STAGE_CANDIDATE;
		if (p[1] == 'c')	/* "fc" is another spelling of "f" */
			p++;
		break;
	default:
		return -1;
	}
	p++;
	if (!is_digit(*p))	/* a stage needs a level */
		return -1;
	while (is_digit(*p)) {
		if (digits == LEVEL_DIGITS)
			return -1;
		level = level * 10 + (*p - '0');
		digits++;
		p++;
	}
	if (!is_terminator(*p) || level > LEVEL_MAX)
		return -1;
	if (stage == STAGE_CANDIDATE && level == 0)
		return -1;
	*level_out = level;
	return stage;
}

kext_version
kext_version_parse(const char *s)
{
	int64_t part[3] = { 0, 0, 0 }, level = 0;
	int stage = STAGE_RELEASE, i, digits;
	const char *p;
	size_t len = 0;

	if (s == NULL)
		return KEXT_VERSION_INVALID;
	/* User space converts to a 20-byte ASCII buffer first. */
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80 || ++len >= KEXT_VERSION_MAX_LENGTH)
			return KEXT_VERSION_INVALID;
	}
	if (!is_digit(s[0]))
		return KEXT_VERSION_INVALID;

	p = s;
	for (i = 0; i < 3; i++) {
		digits = 0;
		while (is_digit(*p)) {
			if (digits == PART_DIGITS)
				return KEXT_VERSION_INVALID;
			part[i] = part[i] * 10 + (*p - '0');
			digits++;
			p++;
		}
		if (is_terminator(*p) || is_stage_letter(*p))
			break;
		if (*p != '.')
			return KEXT_VERSION_INVALID;
		/* A dot after the revision only when it used all its digits. */
		if (i == 2 && digits < PART_DIGITS)
			return KEXT_VERSION_INVALID;
		p++;
	}
	if (is_stage_letter(*p)) {
		stage = parse_stage(p, &level);
		if (stage < 0)
			return KEXT_VERSION_INVALID;
	} else if (!is_terminator(*p)) {
		return KEXT_VERSION_INVALID;
	}
	return part[0] * MAJOR_FACTOR + part[1] * MINOR_FACTOR +
	    part[2] * REVISION_FACTOR + stage * STAGE_FACTOR + level;
}

static char
stage_letter(int64_t stage)
{
	switch (stage) {
	case STAGE_DEVELOPMENT: return 'd';
	case STAGE_ALPHA: return 'a';
	case STAGE_BETA: return 'b';
	case STAGE_CANDIDATE: return 'f';
	default: return '\0';
	}
}

char *
kext_version_format(kext_version v, char *buf, size_t len)
{
	int64_t major, minor, revision, stage, level;
	char letter;
	int n;

	if (buf == NULL || len == 0)
		return buf;
	if (v == KEXT_VERSION_MISSING) {
		snprintf(buf, len, "(missing)");
		return buf;
	}
	major = v / MAJOR_FACTOR;
	minor = v / MINOR_FACTOR % 10000;
	revision = v / REVISION_FACTOR % 10000;
	stage = v / STAGE_FACTOR % 10;
	level = v % STAGE_FACTOR;
	letter = stage_letter(stage);
	if (v < 0 || major > 9999 || level > LEVEL_MAX ||
	    (stage == STAGE_RELEASE ? level != 0 : letter == '\0') ||
	    (stage == STAGE_CANDIDATE && level == 0)) {
		snprintf(buf, len, "(invalid)");
		return buf;
	}
	n = snprintf(buf, len, "%lld.%lld", (long long)major, (long long)minor);
	if (revision != 0 && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ".%lld", (long long)revision);
	if (stage != STAGE_RELEASE && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%c%lld", letter, (long long)level);
	return buf;
}

int
kext_version_compare(kext_version a, kext_version b)
{
	return (a > b) - (a < b);
}

bool
kext_version_satisfies(kext_version compat, kext_version current,
    kext_version requested)
{
	return compat > 0 && current > 0 && requested > 0 &&
	    compat <= requested && requested <= current;
}
