/* Loader console: ASCII text to the firmware's ConOut. */
#include "loader.h"

/* Convert to UCS-2 in chunks (UEFI 2.10 section 12.4: OutputString takes
 * CHAR16), turning "\n" into "\r\n". */
void con_puts(const char *s)
{
	char16_t buf[128];
	size_t n = 0;

	while (*s) {
		if (*s == '\n')
			buf[n++] = '\r';
		buf[n++] = (char16_t)(unsigned char)*s++;
		if (n >= ARRAY_LEN(buf) - 2 || !*s) {
			buf[n] = 0;
			efi_st->con_out->output_string(efi_st->con_out, buf);
			n = 0;
		}
	}
}

static void con_put_num(uint64_t v, unsigned base, int min_digits)
{
	char buf[24];
	int i = (int)sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v % base];
		v /= base;
		min_digits--;
	} while (v || min_digits > 0);
	con_puts(&buf[i]);
}

void con_put_hex(uint64_t v)
{
	con_puts("0x");
	con_put_num(v, 16, 1);
}

void con_put_dec(uint64_t v)
{
	con_put_num(v, 10, 1);
}

void con_error(const char *what, efi_status_t status)
{
	con_puts("MantraBoot: error: ");
	con_puts(what);
	con_puts(" (EFI status ");
	con_put_hex(status);
	con_puts(")\n");
}
