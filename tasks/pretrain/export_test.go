package pretrain

// InterruptAt makes Train fail right after the given step, before that step's checkpoint is written, as if the
// process were killed there (tests of resume).
func InterruptAt(step int) Option { return func(o *options) { o.interruptAt = step } }
