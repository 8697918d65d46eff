package io.llamasupervisor.process;

/** Delivers a signal to a whole process group (a seam for tests). */
interface GroupSignal {

  /**
   * Sends {@code signal} ("TERM", "KILL") to every member of group {@code pgid}. Returns true when
   * at least one member received it; false when the group is empty or the signal failed.
   */
  boolean signalGroup(long pgid, String signal);
}
