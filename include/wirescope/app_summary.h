/* Per-protocol summaries of an application message, one struct per
 * protocol, kept in ws_packet.a. Each group's header belongs to the files
 * of those dissectors; keep the structs small (they are copied per packet
 * by nobody, but cleared by their dissector on every message). */
#ifndef WIRESCOPE_APP_SUMMARY_H
#define WIRESCOPE_APP_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "wirescope/apps/dns_dhcp.h"
#include "wirescope/apps/http_tls.h"
#include "wirescope/apps/media.h"
#include "wirescope/apps/text_ctl.h"

#endif
