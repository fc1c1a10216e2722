#include "portway/queue_wrapper.h"

namespace portway {

QueueWrappers::QueueWrappers(const QueueWrappers& other) {
    *this = other;
}

QueueWrappers& QueueWrappers::operator=(const QueueWrappers& other) {
    if (this == &other)
        return *this;
    list_.clear();
    for (const auto& w : other.list_)
        list_.push_back(w->clone());
    return *this;
}

QueueWrapper* QueueWrappers::find(std::string_view name) const {
    for (const auto& w : list_) {
        if (w->name() == name)
            return w.get();
    }
    return nullptr;
}

QueueWrapper& QueueWrappers::add(std::unique_ptr<QueueWrapper> wrapper) {
    if (QueueWrapper* there = find(wrapper->name()))
        return *there;
    list_.push_back(std::move(wrapper));
    return *list_.back();
}

}  // namespace portway
