/** Paying a group message lives in `domain/award.ts`; the bot calls it from there. */
export { awardMessage, type AwardOutcome, type ChatLike } from "../domain/award.ts";
