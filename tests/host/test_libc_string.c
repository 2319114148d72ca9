/*
 * Host tests of lib/libc: <string.h>, <strings.h>, <ctype.h>, strerror.
 * Compiled against lib/libc's own headers (libc.mk): every call here is
 * to lib/libc.
 */
#include "test.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

TEST(libc_string, chr_rchr_chrnul)
{
	const char *s = "hello, world";

	CHECK(strchr(s, 'o') == s + 4);
	CHECK(strrchr(s, 'o') == s + 8);
	CHECK(strchr(s, 'z') == NULL);
	CHECK(strchr(s, '\0') == s + 12);
	CHECK(strrchr(s, '\0') == s + 12);
	CHECK(strchrnul(s, 'z') == s + 12);
	CHECK(memchr(s, 'w', 12) == s + 7);
	CHECK(memchr(s, 'w', 7) == NULL);
	CHECK(memrchr(s, 'l', 12) == s + 10);
	CHECK(memrchr(s, 'l', 0) == NULL);
}

TEST(libc_string, copy_and_concatenate)
{
	char buf[16];

	CHECK(strcpy(buf, "abc") == buf);
	CHECK(stpcpy(buf + 3, "de") == buf + 5);
	CHECK_STR(buf, "abcde");
	CHECK_STR(strcat(buf, "fg"), "abcdefg");
	CHECK_STR(strncat(buf, "hijkl", 2), "abcdefghi");
	memset(buf, 'x', sizeof(buf));
	CHECK(strncpy(buf, "ab", 5) == buf);
	CHECK(buf[2] == 0 && buf[4] == 0 && buf[5] == 'x');
	CHECK(stpncpy(buf, "abcdef", 3) == buf + 3 && buf[3] == 0);
	strcpy(buf, "abc");
	CHECK_EQ(strlcat(buf, "defghijklmnopqrstu", 8), 21);
	CHECK_STR(buf, "abcdefg");
	CHECK((char *)mempcpy(buf, "xy", 2) == buf + 2);
}

TEST(libc_string, span_pbrk)
{
	CHECK_EQ(strspn("aabbcd", "ab"), 4);
	CHECK_EQ(strspn("", "ab"), 0);
	CHECK_EQ(strcspn("hello world", " "), 5);
	CHECK_EQ(strcspn("hello", ""), 5);
	CHECK_STR(strpbrk("key=value;x", ";="), "=value;x");
	CHECK(strpbrk("abc", "xyz") == NULL);
	/* Bytes above 127 are set members like any other. */
	CHECK_EQ(strspn("\xff\xfe" "a", "\xfe\xff"), 2);
}

TEST(libc_string, strstr_memmem)
{
	const char *s = "abababcab";

	CHECK(strstr(s, "ababc") == s + 2);
	CHECK(strstr(s, "") == s);
	CHECK(strstr(s, "abcd") == NULL);
	CHECK(strstr("", "a") == NULL);
	CHECK(memmem(s, 9, "cab", 3) == s + 6);
	CHECK(memmem(s, 8, "cab", 3) == NULL);
	CHECK(memmem("a\0b", 3, "\0b", 2) != NULL);
}

TEST(libc_string, strtok_r_and_strsep)
{
	char line[] = "  a,b;;c  ";
	char *save, *tok;
	const char *want[] = { "a", "b", "c" };
	int n = 0;

	for (tok = strtok_r(line, " ,;", &save); tok;
	     tok = strtok_r(NULL, " ,;", &save)) {
		CHECK(n < 3);
		CHECK_STR(tok, want[n++]);
	}
	CHECK_EQ(n, 3);
	CHECK(strtok_r(NULL, " ", &save) == NULL);

	char fields[] = "x,,y";
	char *p = fields;
	CHECK_STR(strsep(&p, ","), "x");
	CHECK_STR(strsep(&p, ","), "");
	CHECK_STR(strsep(&p, ","), "y");
	CHECK(p == NULL && strsep(&p, ",") == NULL);

	char again[] = "1 2";
	CHECK_STR(strtok(again, " "), "1");
	CHECK_STR(strtok(NULL, " "), "2");
	CHECK(strtok(NULL, " ") == NULL);
}

TEST(libc_string, dup_ndup)
{
	char *a = strdup("hello");
	char *b = strndup("hello", 3);
	char *c = strndup("hi", 10);

	CHECK(a && b && c);
	CHECK_STR(a, "hello");
	CHECK_STR(b, "hel");
	CHECK_STR(c, "hi");
	free(a);
	free(b);
	free(c);
}

TEST(libc_string, strerror_texts)
{
	char buf[32];

	CHECK_STR(strerror(ERANGE), "Result out of range");
	CHECK_STR(strerror(ENOMEM), "Out of memory");
	CHECK_STR(strerror(0), "Success");
	CHECK_STR(strerror(9999), "Unknown error 9999");
	CHECK_STR(strerror(-1), "Unknown error -1");
	CHECK_EQ(strerror_r(EINVAL, buf, 8), ERANGE);
	CHECK_STR(buf, "Invalid");
	CHECK_EQ(strerror_r(EIO, buf, 18), ERANGE);
	CHECK_EQ(strerror_r(EIO, buf, 19), 0);
}

TEST(libc_string, case_insensitive)
{
	CHECK_EQ(strcasecmp("Hello", "hELLO"), 0);
	CHECK(strcasecmp("apple", "Banana") < 0);
	CHECK(strcasecmp("b", "A") > 0);
	CHECK(strcasecmp("ab", "abc") < 0);
	CHECK_EQ(strncasecmp("ABCx", "abcy", 3), 0);
	CHECK(strncasecmp("ABCx", "abcy", 4) < 0);
	CHECK_EQ(ffs(0), 0);
	CHECK_EQ(ffs(1), 1);
	CHECK_EQ(ffs(0x80000000), 32);
	CHECK_EQ(ffsll(1ll << 40), 41);
}

/* Every ctype class over every byte and EOF, against the ASCII table. */
TEST(libc_string, ctype_classes)
{
	for (int c = -1; c < 256; c++) {
		bool up = c >= 'A' && c <= 'Z', lo = c >= 'a' && c <= 'z';
		bool dig = c >= '0' && c <= '9';
		bool print = c >= 0x20 && c < 0x7f;

		CHECK_EQ(!!isupper(c), up);
		CHECK_EQ(!!islower(c), lo);
		CHECK_EQ(!!isdigit(c), dig);
		CHECK_EQ(!!isalpha(c), up || lo);
		CHECK_EQ(!!isalnum(c), up || lo || dig);
		CHECK_EQ(!!isxdigit(c), dig || (c >= 'a' && c <= 'f') ||
				(c >= 'A' && c <= 'F'));
		CHECK_EQ(!!isspace(c), c == ' ' || (c >= 9 && c <= 13));
		CHECK_EQ(!!isblank(c), c == ' ' || c == '\t');
		CHECK_EQ(!!isprint(c), print);
		CHECK_EQ(!!isgraph(c), print && c != ' ');
		CHECK_EQ(!!iscntrl(c), (c >= 0 && c < 0x20) || c == 0x7f);
		CHECK_EQ(!!ispunct(c), print && c != ' ' && !(up || lo || dig));
		CHECK_EQ(toupper(c), lo ? c - 32 : c);
		CHECK_EQ(tolower(c), up ? c + 32 : c);
	}
}
