// The licensing rules a case is checked against (completeness, conditions),
// read from the rules tables and reused for a short while; and the due times
// of the reviews a case opens when it meets the conditions.
import type { CompletenessResult, ConditionsResult } from '../../domain/application';
import { riyadhDate } from '../../domain/calendar';
import type { CaseState } from '../../domain/case';
import { checkCompleteness as evaluateCompleteness, checkConditions as evaluateConditions } from '../../domain/rules';
import { TaskKind } from '../../domain/status';
import type { Db } from '../../db/client';
import { cachedRules, storedDocumentFacts } from '../../db/rules';
import type { TaskSchedule } from './sla';

export function createCheckActivities(deps: {
  db: Db;
  /** How long loaded rules are reused; edits to the rules tables show up after this. */
  rulesCacheMs: number;
  taskSchedules: (input: { kinds: TaskKind[]; from: string }) => Promise<Record<string, TaskSchedule>>;
  now: () => Date;
}) {
  const rules = cachedRules(deps.db, deps.rulesCacheMs);

  return {
    /** Against the files themselves: an uploaded document counts while its row says it is kept, of its type and an accepted kind. A license's renewal says so (`renewal`). */
    async checkCompleteness(data: CaseState['data'], opts: { renewal?: boolean } = {}): Promise<CompletenessResult> {
      const ids = data.documents.flatMap((d) => (d.documentId === undefined ? [] : [d.documentId]));
      const [loaded, stored] = await Promise.all([rules(), storedDocumentFacts(deps.db, ids)]);
      return evaluateCompleteness(loaded, data, riyadhDate(deps.now()), stored, opts);
    },

    /**
     * A case that meets the conditions also gets the due and reminder times of
     * the reviews it opens next, counted from `scheduleFrom` (the workflow's
     * time): one local activity on every case's way into review, not two.
     */
    async checkConditions(data: CaseState['data'], opts: { scheduleFrom: string }): Promise<ConditionsResult & { schedules?: Record<string, TaskSchedule> }> {
      const result = evaluateConditions(await rules(), data);
      if (!result.met) return result;
      const schedules = await deps.taskSchedules({ kinds: [TaskKind.healthReview, TaskKind.technicalReview], from: opts.scheduleFrom });
      return { ...result, schedules };
    },
  };
}
