/**
 * Zero stored as a double, the first value of number fields that will hold fractions (times from
 * the clock, rates, sums of a Float64Array's values). V8 gives a field the representation of the
 * first value stored in it: a field that starts as the small integer 0 changes representation for
 * every object of its class when the first fraction arrives, and the optimized code of every
 * function that uses the class is thrown away and compiled again (on a 1 GiB download this recompiled
 * the hottest functions of the transfer two or three times each). Minus zero is a double; it adds,
 * compares and prints as 0.
 */
export const DOUBLE_ZERO = -0;
