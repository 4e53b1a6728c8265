// The tag every taggable lab resource carries, with the stack name as value; the sweep finds an
// interrupted run's leftovers by it. Declared in infra/tags.ts (STACK_TAG): automation/ must not
// import infra/, so keep the two in step.
export const STACK_TAG = "trail-lab:stack";
