set terminal svg noenhanced size 1000,700
set output 'train_loss.svg'
set title 'wrn: each optimizer at its best rate'
set xlabel 'epoch'
set ylabel 'training loss'
set key outside right
set grid
set xtics 1
set logscale y
plot 'curve_00.dat' using 1:($2*1) with linespoints title 'd1_06 (lr 0.948683)'

unset output
