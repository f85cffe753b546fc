# t202: what container 1 does to /data (or to the directory $1): every kind of write to files
# that come from the image snapshot. Run by busybox sh in the container and by bash +
# coreutils on a host copy of the tree (the oracle). T202_CHOWN=1 (root only) adds a chown.
set -e
cd "${1:-/data}"
echo more >>append                    # O_APPEND
echo 'new over' >over                 # O_TRUNC
chmod 600 mode                        # metadata only
truncate -s 4 trunc                   # truncate(2), no open for writing
rm del                                # unlink
mv ren renamed                        # rename
echo 'via a' >>a                      # a and b are one file (two hard links) in the image
printf AB | dd of=dd conv=notrunc 2>/dev/null # O_WRONLY without O_TRUNC
exec 3<>rw                            # O_RDWR
printf Z >&3
exec 3>&-
TZ=UTC0 touch -d '2001-02-03 04:05:06' touched # utimensat only
echo via-sym >lnk                     # through a symlink to "target"
rm -r sub                             # a directory with a file in it
mkdir newdir
echo new >newdir/file
ln keep newlink                       # a new hard link to a snapshot file, then a write
echo 'via newlink' >>newlink
mv mvw mvw2                           # a snapshot file renamed, then written
echo after-mv >>mvw2
mv sub2 sub3                          # its directory renamed, then a file in it written
echo after-mv >>sub3/g
echo via-dirlink >>dlink/h            # through a symlink to a directory (dlink -> sub4)
exec 4<fdw                            # reopened for writing through /proc/self/fd ...
echo via-proc-fd >>/proc/self/fd/4
exec 4<&-
exec 5<devfd                          # ... and through /dev/fd
echo via-dev-fd >>/dev/fd/5
exec 5<&-
exec 6<fdmode                         # and a chmod through /proc/self/fd
chmod 600 /proc/self/fd/6
exec 6<&-
if [ -n "${T202_CHOWN:-}" ]; then chown 123:45 own; fi
