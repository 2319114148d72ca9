/* C library <ctype.h>: the "C" locale only (ASCII); arguments are EOF or
 * an unsigned char value (C11 7.4p1), anything else is "not in class". */
#ifndef LIBC_CTYPE_H
#define LIBC_CTYPE_H

int isalnum(int c);
int isalpha(int c);
int isblank(int c);
int iscntrl(int c);
int isdigit(int c);
int isgraph(int c);
int islower(int c);
int isprint(int c);
int ispunct(int c);
int isspace(int c);
int isupper(int c);
int isxdigit(int c);
int isascii(int c);
int tolower(int c);
int toupper(int c);

#endif /* LIBC_CTYPE_H */
