// CAF's CHECK macros bind their arguments to references: a member of a
// temporary (`f().x`) would dangle by the time it is compared. value_of
// copies such a value while the temporary still lives.
#pragma once

namespace jobstack::test {

template <class T>
T value_of(const T& x) {
  return x;
}

} // namespace jobstack::test
