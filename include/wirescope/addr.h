/* Network addresses stored once in 16 bytes for IPv4 and IPv6 alike. */
#ifndef WIRESCOPE_ADDR_H
#define WIRESCOPE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
struct ws_addr {
    uint8_t b[16];
};

#define WS_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

void addr_from_v4(struct ws_addr *a, const uint8_t v4[4]);
void addr_from_v6(struct ws_addr *a, const uint8_t v6[16]);
bool addr_is_v4(const struct ws_addr *a);
int addr_cmp(const struct ws_addr *a, const struct ws_addr *b);
/* Writes the usual text form (dotted quad or RFC 5952); returns length. */
size_t addr_format(const struct ws_addr *a, char *buf, size_t size);
/* "addr:port", an IPv6 address in brackets ("[2001:db8::1]:443"). */
struct textbuf;
void addr_port_put(struct textbuf *tb, const struct ws_addr *a, uint16_t port);
/* Formats a MAC address as aa:bb:cc:dd:ee:ff; buf needs 18 bytes. */
void mac_format(const uint8_t mac[6], char buf[18]);

#endif
