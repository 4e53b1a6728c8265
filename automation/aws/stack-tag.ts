// The tag every taggable lab resource carries, with the stack name as value; the sweep finds an
// interrupted run's leftovers by it, and preflight the stack that left a conflicting trail.
// Declared in infra/tags.ts (STACK_TAG): automation/ must not import infra/, so
// test/automation/aws/stack-tag.test.ts holds the two together.
export const STACK_TAG = "trail-lab:stack";
