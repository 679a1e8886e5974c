#!/bin/sh
echo extra setup
