/*
 * pcap-loop: the libpcap read-loop baseline for `make bench`.
 *
 *   pcap-loop FILE
 *
 * Opens FILE with pcap_open_offline() and reads every record with
 * pcap_next_ex(), counting packets, captured bytes and wire bytes, and
 * prints the totals. No decoding at all: this is the floor any libpcap-based
 * reader pays to get the packets off the file.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pcap-loop FILE\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "pcap-loop: %s\n", err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, caplen = 0, wirelen = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        caplen += h->caplen;
        wirelen += h->len;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "pcap-loop: %s: %s\n", argv[1], pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    (void)data;
    printf("%" PRIu64 " packets, %" PRIu64 " bytes captured, %" PRIu64 " bytes on the wire\n",
           packets, caplen, wirelen);
    return 0;
}
