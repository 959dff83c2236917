package pretrain

import "github.com/lossbook/lossbook/lib/data"

// InterruptAt makes Train fail right after the given step, before that step's checkpoint is written, as if the
// process were killed there (tests of resume).
func InterruptAt(step int) Option { return func(o *options) { o.interruptAt = step } }

// TrainPairs is Config.trainPairs: the training NSP pairs of segments.
func TrainPairs(c Config, segments [][][]int32) ([]data.NSPExample, error) {
	return c.trainPairs(segments)
}
