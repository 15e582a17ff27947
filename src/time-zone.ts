/** Whether `value` names a time zone this runtime knows (an IANA name such as "Europe/Berlin"). */
export function isIanaTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
