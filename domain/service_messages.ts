/**
 * The fields that make a message a service message (joins, leaves, pins, titles, photos,
 * migrations, …): it pays nothing and is not counted as a message.
 */
export const SERVICE_FIELDS = [
  "new_chat_members",
  "left_chat_member",
  "new_chat_title",
  "new_chat_photo",
  "delete_chat_photo",
  "group_chat_created",
  "supergroup_chat_created",
  "channel_chat_created",
  "message_auto_delete_timer_changed",
  "migrate_to_chat_id",
  "migrate_from_chat_id",
  "pinned_message",
  "chat_shared",
  "users_shared",
  "write_access_allowed",
  "proximity_alert_triggered",
  "boost_added",
  "chat_background_set",
  "forum_topic_created",
  "forum_topic_edited",
  "forum_topic_closed",
  "forum_topic_reopened",
  "general_forum_topic_hidden",
  "general_forum_topic_unhidden",
  "video_chat_scheduled",
  "video_chat_started",
  "video_chat_ended",
  "video_chat_participants_invited",
  "giveaway_created",
  "giveaway_completed",
  "successful_payment",
  "refunded_payment",
  // Bot API 9: a member ticking a checklist or adding a poll option is no message they wrote
  "checklist_tasks_done",
  "checklist_tasks_added",
  "poll_option_added",
  "poll_option_deleted",
  "chat_owner_left",
  "chat_owner_changed",
  "community_chat_added",
  "community_chat_removed",
  "community_chat_joined",
  "managed_bot_created",
  "gift",
  "gift_upgrade_sent",
  "unique_gift",
  "paid_message_price_changed",
  "direct_message_price_changed",
  "connected_website",
  "suggested_post_approved",
  "suggested_post_approval_failed",
  "suggested_post_declined",
  "suggested_post_paid",
  "suggested_post_refunded",
] as const;

/** Whether Telegram sent this as a service message rather than something a member said. */
export function isServiceMessage(message: object): boolean {
  return SERVICE_FIELDS.some((f) =>
    f in message && (message as Record<string, unknown>)[f] != null
  );
}
