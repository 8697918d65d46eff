#!/bin/sh
# llama-supervisor inside the container image: runs the jar with the image's Java runtime.
#
# API keys from the environment (e.g. compose's .env): for `serve`, each of
# SUPERVISOR_API_KEY_ADMIN, SUPERVISOR_API_KEY_OPERATE, SUPERVISOR_API_KEY_READ and
# SUPERVISOR_API_KEY_INFER (the gateway only) that is set becomes an entry of supervisor.api.keys
# (named and with the role admin, operate, read, infer) in a configuration file written for this
# run (mode 600) and passed as --config. Put keys in your own --config file
# instead when you use one: the two cannot be combined.
#
# JAVA_OPTS goes to the JVM of `serve`; JAVA_CLI_OPTS to the short-lived JVM of every other
# command (health, status, plan, ...), which starts with a small heap by default.
set -eu

jar="${LLAMA_SUPERVISOR_JAR:-/opt/llama-supervisor/llama-supervisor.jar}"
java="${JAVA_HOME:-/opt/java}/bin/java"

keys_yaml() {
  for role in admin operate read infer; do
    case "$role" in
      admin) secret="${SUPERVISOR_API_KEY_ADMIN:-}" ;;
      operate) secret="${SUPERVISOR_API_KEY_OPERATE:-}" ;;
      read) secret="${SUPERVISOR_API_KEY_READ:-}" ;;
      infer) secret="${SUPERVISOR_API_KEY_INFER:-}" ;;
    esac
    if [ -n "$secret" ]; then
      quoted=$(printf '%s' "$secret" | sed "s/'/''/g")
      printf "      - {name: %s, role: %s, key: '%s'}\n" "$role" "$role" "$quoted"
    fi
  done
}

if [ "${1:-}" = serve ]; then
  keys="$(keys_yaml)"
  if [ -n "$keys" ]; then
    for arg in "$@"; do
      case "$arg" in
        --config | --config=*)
          echo "llama-supervisor: SUPERVISOR_API_KEY_* and --config cannot be combined;" \
            "put supervisor.api.keys in the --config file" >&2
          exit 1
          ;;
      esac
    done
    umask 077
    config="$(mktemp "${TMPDIR:-/tmp}/llama-supervisor-keys.XXXXXX")"
    printf 'supervisor:\n  api:\n    keys:\n%s\n' "$keys" >"$config"
    shift
    set -- serve --config "$config" "$@"
  fi
  # shellcheck disable=SC2086 # JAVA_OPTS holds several options
  exec "$java" ${JAVA_OPTS:-} -jar "$jar" "$@"
fi
# shellcheck disable=SC2086
exec "$java" ${JAVA_CLI_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx64m} -jar "$jar" "$@"
