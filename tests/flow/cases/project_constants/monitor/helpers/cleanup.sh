#!/bin/sh
rm -rf /tmp/monitor-*
