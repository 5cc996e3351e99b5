// Task<T>: the coroutine type every handler returns. A handler is written top to bottom as the flow it
// implements; where it needs I/O it co_awaits a round of effects (exchange.h) and is resumed with the results
// when the shim has performed them, so nothing is replayed and no effect is found by its position.
//
// Tasks are lazy: a task starts when it is awaited (or, for the outermost one, when the conversation starts
// it), and when it finishes, whoever awaited it goes on. Both happen through a run queue that the
// conversation drains (run_ready), never by resuming one coroutine from inside another: symmetric transfer
// would need WebAssembly tail calls, and nested resumes would grow the stack with every level. The frame of
// a suspended task lives on the heap between two calls into the core; destroying the outermost Task
// destroys the whole chain.
//
// Debian's Emscripten (clang 14, libc++ 14) has coroutines only as <experimental/coroutine>; g++ 12 and
// clang 14 with libstdc++ have <coroutine>. The alias below serves all three builds.
#pragma once
#include <exception>
#include <optional>
#include <utility>

#if __has_include(<coroutine>)
#include <coroutine>
namespace upgate::coro {
using std::coroutine_handle;
using std::suspend_always;
}  // namespace upgate::coro
#else
#include <experimental/coroutine>
namespace upgate::coro {
using std::experimental::coroutine_handle;
using std::experimental::suspend_always;
}  // namespace upgate::coro
#endif

namespace upgate {

// The coroutines ready to go on, in order. Calls into the core are synchronous and one at a time, so one
// queue serves the isolate.
void make_ready(coro::coroutine_handle<> handle);
// Resumes ready coroutines until none is left: every task has then finished or waits on I/O.
void run_ready();

template <class T>
class [[nodiscard]] Task {
 public:
  struct promise_type {
    std::optional<T> value;
    coro::coroutine_handle<> continuation;

    Task get_return_object() { return Task(coro::coroutine_handle<promise_type>::from_promise(*this)); }
    coro::suspend_always initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct Finished {
        bool await_ready() noexcept { return false; }
        void await_suspend(coro::coroutine_handle<promise_type> self) noexcept {
          if (self.promise().continuation) make_ready(self.promise().continuation);
        }
        void await_resume() noexcept {}
      };
      return Finished{};
    }
    void return_value(T result) { value = std::move(result); }
    // The core's own errors are values; a library exception escaping a handler is a bug, and the isolate's
    // instance is replaced by the shim after the trap.
    void unhandled_exception() { std::terminate(); }
  };

  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      destroy();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { destroy(); }

  // Awaiting a task runs it; the awaiter goes on with its result.
  bool await_ready() const noexcept { return false; }
  void await_suspend(coro::coroutine_handle<> awaiting) noexcept {
    handle_.promise().continuation = awaiting;
    make_ready(handle_);
  }
  T await_resume() { return std::move(*handle_.promise().value); }

  // For the conversation that drives the outermost task.
  void start() {
    make_ready(handle_);
    run_ready();
  }
  bool done() const { return handle_.done(); }
  T take_result() { return std::move(*handle_.promise().value); }

 private:
  explicit Task(coro::coroutine_handle<promise_type> handle) : handle_(handle) {}
  void destroy() {
    if (handle_) handle_.destroy();
    handle_ = nullptr;
  }
  coro::coroutine_handle<promise_type> handle_;
};

}  // namespace upgate
