# shellcheck shell=bash
# Roost test-host contract. Source this file; test/host/prepare.sh sets the
# host up to match it (see test/host/README.md).
export ROOST_TEST_USER=roosttest
export ROOST_TEST_NOSUB_USER=roostnosub
export ROOST_TEST_REGISTRY=127.0.0.1:5000
export ROOST_TEST_AUTH_REGISTRY=127.0.0.1:5001
export ROOST_TEST_AUTH_USER=roost
export ROOST_TEST_AUTH_PASS=roostpass
