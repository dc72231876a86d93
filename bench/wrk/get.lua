-- Plain GET of the URL given on the command line (wrk builds the request once).
dofile((debug.getinfo(1, 'S').source:match('^@(.*/)') or './') .. 'report.lua')
