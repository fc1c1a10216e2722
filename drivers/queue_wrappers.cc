// The queue wrappers that come with Portway: register_runtime_options adds
// them to every app's configuration, each off until its options ask for it.
#include "impair.h"
#include "portway/queue_wrapper.h"

namespace portway {

void add_builtin_queue_wrappers(QueueWrappers& wrappers) {
    wrappers.add(impair::make_wrapper());  // --impair
}

}  // namespace portway
