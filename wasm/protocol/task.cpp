#include "protocol/task.h"

#include <deque>

namespace upgate {

namespace {
std::deque<coro::coroutine_handle<>>& ready() {
  static std::deque<coro::coroutine_handle<>> queue;
  return queue;
}
}  // namespace

void make_ready(coro::coroutine_handle<> handle) { ready().push_back(handle); }

void run_ready() {
  while (!ready().empty()) {
    coro::coroutine_handle<> next = ready().front();
    ready().pop_front();
    next.resume();
  }
}

}  // namespace upgate
