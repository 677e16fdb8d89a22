/* Per-flow state asked for by flow id alone, as a dissector's track hook
 * asks through its app_ctx: for tests that drive the tracker directly. */
#ifndef WIRESCOPE_TEST_FLOWSTATE_H
#define WIRESCOPE_TEST_FLOWSTATE_H

#include <string.h>

#include "wirescope/app.h"
#include "wirescope/flow.h"

static inline struct app_ctx flow_ctx(struct app_tracker *t, struct flow *f, uint64_t id)
{
    memset(f, 0, sizeof *f);
    f->id = id;
    return (struct app_ctx){.t = t, .flow = f};
}

static inline void *flow_state_of(struct app_tracker *t, uint64_t id, size_t size)
{
    struct flow f;
    struct app_ctx ctx = flow_ctx(t, &f, id);
    return app_flow_state(&ctx, size);
}

static inline bool flow_state_lost(struct app_tracker *t, uint64_t id)
{
    struct flow f;
    struct app_ctx ctx = flow_ctx(t, &f, id);
    return app_flow_state_lost(&ctx);
}

#endif
