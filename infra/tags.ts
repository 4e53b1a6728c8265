// The tags every taggable lab resource carries: the stack tag lets an interrupted run's leftovers
// be found by tag, and user tags come from config.
export const STACK_TAG = "trail-lab:stack";
export const PROJECT_TAG = "trail-lab:project";

export function labTags(project: string, stack: string, userTags: Record<string, string>): Record<string, string> {
  return { ...userTags, [PROJECT_TAG]: project, [STACK_TAG]: stack };
}
